"""A real PostgreSQL cluster of the tests' own, on a free loopback port (like redisproc.py).

    with PostgresProcess() as pg:
        url = pg.new_database()   # postgresql://gridwatch@127.0.0.1:PORT/t_1

initdb refuses to run as root: as root the cluster runs as the `postgres` system user (the
postgresql package creates it; setpriv execs postgres, so the process killed is postgres
itself), in a folder of its own under /tmp (pytest's tmp_path is root's alone)."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.redisproc import free_port


def pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"{name} not found: run scripts/setup.sh (installs postgresql)")
    return candidates[-1]


class PostgresProcess:
    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="gridwatch-pg-"))
        self.data = self.folder / "data"
        self.as_root = os.geteuid() == 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._n = itertools.count(1)

    def _cmd(self, args: list[str]) -> list[str]:
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", *args] \
            if self.as_root else args

    @property
    def base_url(self) -> str:
        return f"postgresql://gridwatch@127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        if not self.data.exists():
            subprocess.run(self._cmd([pg_bin("initdb"), "-D", str(self.data), "-U", "gridwatch",
                                      "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.proc = subprocess.Popen(self._cmd([
            pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
            "-c", "fsync=on", "-c", "max_connections=200", "-c", "shared_buffers=64MB"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while subprocess.run([pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                             ).returncode != 0:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("postgres did not start")
            time.sleep(0.1)

    def new_database(self) -> str:
        """A fresh empty database on the cluster; its URL."""
        name = f"t_{os.getpid()}_{next(self._n)}"
        subprocess.run([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                        "gridwatch", "-d", "postgres", "-q", "-c", f"CREATE DATABASE {name}"],
                       check=True, stdout=subprocess.DEVNULL)
        return f"{self.base_url}/{name}"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresProcess:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
