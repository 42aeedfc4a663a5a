"""A local gridwatch cluster for tests: its own redis-server and real `server.py` processes.

    with LocalCluster(tmp_path, gateways=2, trackers=2) as cl:
        await replay(cl.gateway_urls, DEVICE, positions, speed=0)
        cl.kill("tracker-0")            # kill -9
        cl.start("tracker-0")           # a new process in its place
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import redis

from server import DEMO_CITY
from store.redis_keys import Keys
from tests.redisproc import RedisProcess, free_port
from tests.serverkit import SUPERVISOR, TOKENS

ROOT = Path(__file__).resolve().parents[2]


class LocalCluster:
    def __init__(self, folder: Path, gateways: int = 2, trackers: int = 2, web: int = 1,
                 clock: str = "data", partitions: int = 8, city: Path = DEMO_CITY,
                 osmand_port: int = 0, server: str = "", extra: str = "") -> None:
        """osmand_port: a fixed port for a lone gateway's OsmAnd listener (0: any); server:
        more [server] keys (TOML lines); extra: more sections, after [redis]."""
        self.folder = folder
        self.city = city
        self.redis = RedisProcess(folder / "redis")
        self.keys = Keys(partitions)
        self.config = folder / "cluster.toml"
        tokens = ", ".join(f'"{t}" = "{r}"' for t, r in TOKENS.items())
        self.config.write_text(f"""
[server]
clock = "{clock}"
data_dir = "{folder / 'data'}"
{server}
[auth]
tokens = {{ {tokens} }}
[osmand]
port = {osmand_port}
[jt808]
port = 0
[redis]
partitions = {partitions}
lease_s = 2.0
commit_interval_s = 0.3
{extra}""")
        self.roles: dict[str, str] = {}
        self.ports: dict[str, int] = {}
        for i in range(gateways):
            self.roles[f"gateway-{i}"] = "gateway"
        for i in range(trackers):
            self.roles[f"tracker-{i}"] = "tracker"
        for i in range(web):
            self.roles[f"web-{i}"] = "web"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def gateway_urls(self) -> list[str]:
        return [self.url(n) for n, r in self.roles.items() if r == "gateway"]

    @property
    def web_url(self) -> str:
        return self.url(next(n for n, r in self.roles.items() if r == "web"))

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.redis.port)

    def start(self, name: str) -> None:
        self._spawn(name)
        self._wait(name)

    def _spawn(self, name: str) -> None:
        role = self.roles[name]
        port = self.ports.setdefault(name, free_port())
        with (self.folder / f"{name}.log").open("ab") as log:  # the child keeps its own copy
            self.procs[name] = subprocess.Popen(
                [sys.executable, str(ROOT / "server.py"), "--city", str(self.city), "--config",
                 str(self.config), "--redis", self.redis.url, "--role", role, "--port",
                 str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def _wait(self, name: str) -> None:
        if self.roles[name] == "tracker":
            self._wait_tracker(name)
        else:
            self._wait_http(name)

    def _wait_http(self, name: str) -> None:
        import urllib.request
        deadline = time.monotonic() + 60
        request = urllib.request.Request(self.url(name) + "/healthz",
                                         headers={"Authorization": f"Bearer {SUPERVISOR}"})
        while True:
            try:
                with urllib.request.urlopen(request, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} did not come up: see {self.folder / name}.log")
            time.sleep(0.1)

    def _wait_tracker(self, name: str) -> None:
        """Until the tracker heartbeats in Redis. A worker refuses to start against a Redis
        that does not answer (server.py), so a test that takes Redis away must not do it while
        a tracker is still loading: on a loaded machine that once left no tracker at all."""
        proc = self.procs[name]
        prefix = f"{socket.gethostname()}-{proc.pid}-".encode()
        deadline = time.monotonic() + 60
        with self.client() as client:
            while True:
                members: Any = client.zrange(f"{self.keys.prefix}:trackers", 0, -1)
                if any(m.startswith(prefix) for m in members):
                    return
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{name} did not come up: see {self.folder / name}.log")
                time.sleep(0.1)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        return proc.wait(timeout=60)

    def advance_clock(self, ts: float) -> None:
        """Time passes with no positions (the end of a replayed day)."""
        self.client().set(self.keys.clock, repr(ts))

    def wait_swept(self, ts: float, timeout: float = 180.0) -> None:
        """Until the road rules have swept up to `ts` (every partition ticked past it). After
        Redis lost everything, the trackers first win their leases again and replay their
        partitions: on a loaded 2-core machine that once took over 60 s."""
        client = self.client()
        deadline = time.monotonic() + timeout
        while True:
            raw: Any = client.get(self.keys.roads_swept)
            if raw is not None and float(raw) >= ts:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"road rules swept to {raw!r}, not {ts}")
            time.sleep(0.1)

    def __enter__(self) -> LocalCluster:
        self.redis.start()
        try:
            for name in self.roles:  # all load at once, then each is waited for
                self._spawn(name)
            for name in self.roles:
                self._wait(name)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.redis.kill()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
