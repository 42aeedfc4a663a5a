"""A real `server.py` in its own process on free loopback ports, for the chaos cases: started
from a TOML text, waited for, measured (RSS from /proc), stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
# Another checkout's server.py (e.g. the code before a change, for a comparison in one run).
SERVER_ROOT = Path(os.environ.get("GRIDWATCH_SERVER_ROOT", ROOT))
DEVICE, SUPERVISOR = "chaos-device-token", "chaos-supervisor-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProc:
    def __init__(self, folder: Path, clock: str = "wall",
                 **sections: dict[str, Any]) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port, self.osmand, self.jt808 = free_port(), free_port(), free_port()
        self.config = folder / "chaos.toml"
        config: dict[str, dict[str, Any]] = {
            "server": {"port": self.port, "clock": clock, "data_dir": str(folder / "data")},
            "auth": {"tokens": {DEVICE: "device", SUPERVISOR: "supervisor"}},
            "osmand": {"port": self.osmand}, "jt808": {"port": self.jt808}}
        for name, values in sections.items():
            config[name] = {**config.get(name, {}), **values}
        self.config.write_text(toml(config), encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def popen(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen([sys.executable, str(SERVER_ROOT / "server.py"), "--config",
                                     str(self.config), "--log-level", "WARNING"],
                                    cwd=SERVER_ROOT,
                                    stdout=log, stderr=subprocess.STDOUT)

    async def start(self) -> float:
        """Seconds until /healthz answered."""
        started = time.monotonic()
        self.proc = self.popen()
        async with aiohttp.ClientSession(headers=self.headers()) as http:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited {self.proc.returncode}: "
                                       f"{self.log.read_text(errors='replace')[-800:]}")
                try:
                    async with http.get(self.base + "/healthz") as resp:
                        if resp.status == 200:
                            return time.monotonic() - started
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)

    def headers(self, token: str = SUPERVISOR) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def rss_mb(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def open_files_limit(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return int(line.split()[3])
        return 0

    async def get(self, path: str) -> Any:
        async with aiohttp.ClientSession(headers=self.headers()) as http, \
                http.get(self.base + path) as resp:
            return await resp.json()

    async def stop(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc is not None else 0
        self.proc.send_signal(signal.SIGTERM)
        for _ in range(300):
            if self.proc.poll() is not None:
                break
            await asyncio.sleep(0.1)
        else:
            os.kill(self.proc.pid, signal.SIGKILL)
        return self.proc.wait()


def toml(config: dict[str, dict[str, Any]]) -> str:
    """Sections of scalars and inline tables of strings, as TOML."""
    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        return json.dumps(v)
    return "".join(f"[{name}]\n" + "".join(f"{k} = {value(v)}\n" for k, v in values.items())
                   for name, values in config.items())


def metric(text: str, name: str) -> float:
    """The value of one Prometheus sample line (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + " ") or (line.startswith(name + "{") and name in line):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
