"""Chaos cases for the workers' failure policy (README, Failure policy): poison positions in
the one-process pipeline and in a Redis tracker, kill -9 of each role of the Redis layout and
a Redis restart in the middle of ingest, and a video worker that dies (with a poison frame).

Each case runs real `server.py` processes (and its own redis-server), sends positions as
devices would (a message not answered 200 is sent again, to the next gateway), reads back what
was kept through the API, and watches /healthz throughout. Poison positions report the speed
config/testfaults.py POISON_SPEED with GRIDWATCH_TEST_FAULTS=poison-rule set for the servers.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import redis

from bench.chaoskit import (
    HealthWatch,
    Key,
    OneProcess,
    Sender,
    metric,
    read_kept,
    result,
    scratch,
    walk,
    yesterday,
)
from config import testfaults
from model.position import Position
from simulator.cameras.scene import Scene
from tests.redis.cluster import LocalCluster
from tests.serverkit import DEVICE

DEVICES, SECONDS = 40, 45  # 1,800 positions a case, in messages of one second of all devices
PACE_S = 0.1  # between messages: the fault lands mid-ingest
POISON_AT = ((5, 3), (20, 11), (33, 27))  # (second, device) reporting the poison speed


def positions(poison: bool) -> tuple[str, list[list[Position]]]:
    date, t0 = yesterday(10)
    messages = walk(DEVICES, SECONDS, t0)
    if poison:
        for t, d in POISON_AT:
            p = messages[t][d]
            messages[t][d] = Position(p.device, p.ts, p.lat, p.lon,
                                      speed=testfaults.POISON_SPEED)
    return date, messages


def dead_in_redis(client: redis.Redis, partitions: int) -> set[Key]:
    from store.redis_keys import Keys
    keys, out = Keys(partitions), set()
    for p in range(partitions):
        entries: Any = client.xrange(keys.dead(p))
        for _id, fields in entries:
            letter = orjson.loads(fields[b"d"])
            if "device" in letter["input"]:
                out.add((letter["input"]["device"], round(letter["input"]["ts"], 3)))
    return out


async def on_redis(case: str, fault: Callable[[LocalCluster], None] | None,
                   poison: bool = False, probe: str | None = None) -> dict[str, object]:
    """A Redis layout of 2 gateways, 2 trackers and a web process; `fault` runs (in a thread)
    once a third of the messages are sent. /healthz is watched on the web process (the
    deployment's health) and on `probe`, the process the fault hits, if it has HTTP."""
    date, messages = positions(poison)
    if poison:
        os.environ[testfaults.ENV] = "poison-rule"  # the processes started inherit it
    try:
        async with scratch() as folder:
            cluster = LocalCluster(folder, gateways=2, trackers=2, server="health_hold_s = 3.0",
                                   extra="[devices]\nauto_register = true\n")
            await asyncio.to_thread(cluster.__enter__)
            try:
                return await _drive(case, cluster, date, messages, fault, probe)
            finally:
                await asyncio.to_thread(cluster.stop)
    finally:
        os.environ.pop(testfaults.ENV, None)


async def _drive(case: str, cluster: LocalCluster, date: str, messages: list[list[Position]],
                 fault: Callable[[LocalCluster], None] | None, probe: str | None
                 ) -> dict[str, object]:
    sender = Sender(cluster.gateway_urls)
    watch = HealthWatch([cluster.web_url])
    probed = HealthWatch([cluster.url(probe)]) if probe and probe != "web-0" else None
    faulted: asyncio.Future[None] | None = None
    async with aiohttp.ClientSession() as http:
        await HealthWatch([cluster.web_url]).until_ok(http)  # every process up and working
        watch.start(http)
        if probed is not None:
            probed.start(http)
        for i, message in enumerate(messages):
            if fault is not None and i == len(messages) // 3:
                faulted = asyncio.ensure_future(asyncio.to_thread(fault, cluster))
            await sender.send(http, message)
            await asyncio.sleep(PACE_S)
        if faulted is not None:
            await faulted
        last = messages[-1][0].ts
        await asyncio.to_thread(cluster.advance_clock, last + 60)
        await asyncio.to_thread(cluster.wait_swept, last + 30, 120.0)
        await watch.until_ok(http)
        health = f"web: {watch.summary()}"
        wrong = watch.truthful(fault is not None and probed is None)
        if probed is not None:
            await probed.until_ok(http)
            health = f"{probe}: {probed.summary()}; {health}"
            wrong = probed.truthful(True)
        kept = await read_kept(http, cluster.web_url, [p.device for p in messages[0]], date)
    dead = await asyncio.to_thread(dead_in_redis, cluster.client(), cluster.keys.partitions)
    return result(case, sender.sent, sender.acknowledged, kept, dead, health,
                  "; ".join(n for n in (f"{sender.retries} resends", wrong and
                                        f"HEALTH NOT TRUTHFUL: {wrong}") if n))


def kill_and_start(name: str, down_s: float) -> Callable[[LocalCluster], None]:
    def fault(cluster: LocalCluster) -> None:
        cluster.kill(name)  # kill -9
        import time
        time.sleep(down_s)
        cluster.start(name)
    return fault


def redis_restart(cluster: LocalCluster) -> None:
    import time
    cluster.redis.kill()  # kill -9: the AOF (fsync always) holds what was acknowledged
    time.sleep(2.0)
    cluster.redis.start()


async def poison_one_process() -> dict[str, object]:
    """Poison positions in the one-process pipeline, then kill -9 and a restart: the journal
    replay must dead-letter the same positions (not twice) and answer the same."""
    date, messages = positions(True)
    devices = [p.device for p in messages[0]]
    async with scratch() as folder:
        server = OneProcess(folder, env={testfaults.ENV: "poison-rule"})
        await server.start()
        sender = Sender([server.url])
        watch = HealthWatch([server.url])
        async with aiohttp.ClientSession() as http:
            watch.start(http)
            for message in messages:
                await sender.send(http, message)
                await asyncio.sleep(PACE_S / 4)
            # Half a minute later, one more fix each: every fix above leaves its window.
            await sender.send(http, [Position(p.device, p.ts + 30, p.lat, p.lon, speed=1.3)
                                     for p in messages[-1]])
            await _settled(http, server.url)
            await watch.until_ok(http)
            kept = await read_kept(http, server.url, devices, date)
            letters = _letters(folder)
            await server.stop(signal.SIGKILL)
            again = OneProcess(folder)  # the same data folder: the journal is replayed
            again.env = server.env
            await again.start()
            replayed = await read_kept(http, again.url, devices, date)
            await again.stop()
            after = _letters(folder)
    dead = {(x["input"]["device"], round(x["input"]["ts"], 3)) for x in letters}
    notes = [] if replayed == kept else [f"REPLAY DIFFERS: {len(replayed ^ kept)} positions"]
    if len(after) != len(letters):
        notes.append(f"REPLAY WROTE {len(after) - len(letters)} LETTERS AGAIN")
    notes.append("kill -9 + restart: the replay answers the same" if not notes else "")
    wrong = watch.truthful(True)
    if wrong:
        notes.append(f"HEALTH NOT TRUTHFUL: {wrong}")
    return result("poison positions, one process", sender.sent, sender.acknowledged, kept,
                  dead, watch.summary(), "; ".join(n for n in notes if n))


def _letters(folder: Path) -> list[dict[str, Any]]:
    from store.deadletter import DeadLetterJournal
    return [x for x in DeadLetterJournal(folder / "data" / "deadletter").read()
            if "device" in x["input"]]


async def _settled(http: aiohttp.ClientSession, url: str) -> None:
    """Until nothing waits to be tracked."""
    from tests.serverkit import SUPERVISOR
    async with asyncio.timeout(60):
        while True:
            async with http.get(f"{url}/healthz",
                                headers={"Authorization": f"Bearer {SUPERVISOR}"}) as resp:
                if (await resp.json())["queued_positions"] == 0:
                    return
            await asyncio.sleep(0.1)


async def video_worker_dies() -> dict[str, object]:
    """A push camera at 20 frames/s; a poison frame, then the analysing worker is killed
    with kill -9 and restarted by the server. Every frame answered 200 must be analysed,
    dead-lettered, or counted lost (silent drops: none of these)."""
    frames = list(Scene.make(7, 640, 360, start_ts=1.7e9).frames())
    camera = "cam-1"
    async with scratch() as folder:
        server = OneProcess(folder, env={testfaults.ENV: "poison-frame"})
        await server.start()
        camera = await _push_camera(server.url)
        watch = HealthWatch([server.url])
        accepted = refused = 0
        async with aiohttp.ClientSession() as http:
            watch.start(http)
            for i, (ts, jpeg) in enumerate(frames):
                if i == len(frames) // 4:  # a poison frame
                    ts = int(ts) + 0.666
                if i == len(frames) // 3:
                    workers = _video_workers(server)
                    for pid in workers:
                        os.kill(pid, signal.SIGKILL)
                async with http.post(f"{server.url}/api/v1/cameras/{camera}/frames",
                                     data=jpeg, headers={
                                         "Authorization": f"Bearer {DEVICE}",
                                         "Content-Type": "image/jpeg",
                                         "X-Frame-Time": repr(ts)}) as resp:
                    if resp.status == 200:
                        accepted += 1
                    else:
                        refused += 1
                await asyncio.sleep(0.05)
            await watch.until_ok(http)
            counts: dict[str, float] = {}
            async with asyncio.timeout(30):  # until the workers' counts are all in
                while True:
                    counts = {k.split('"')[1]: v for k, v in (await metric(
                        http, server.url, "gridwatch_video_frames_total")).items()}
                    if counts.get("accepted", 0) <= sum(counts.get(k, 0) for k in (
                            "analysed", "dead", "lost")):
                        break
                    await asyncio.sleep(0.2)
        await server.stop()
    analysed, dead, lost = (int(counts.get(k, 0)) for k in ("analysed", "dead", "lost"))
    silent = max(0, accepted - analysed - dead - lost)
    notes = [f"{dead} dead-lettered (the poison frame"
             + (", and the frame in analysis at the kill)" if dead > 1 else ")"),
             f"{refused} refused with 503 while behind (not acknowledged)",
             f"{lost} counted lost with the worker" if lost else ""]
    wrong = watch.truthful(True)
    if wrong:
        notes.append(f"HEALTH NOT TRUTHFUL: {wrong}")
    return {"case": "video worker kill -9 + poison frame", "sent": len(frames),
            "acknowledged": accepted, "kept": analysed, "lost_acknowledged": lost + silent,
            "silent_drops": silent, "health": watch.summary(),
            "notes": "; ".join(n for n in notes if n)}


async def _push_camera(url: str) -> str:
    from tests.serverkit import SUPERVISOR
    async with aiohttp.ClientSession() as http, http.get(
            f"{url}/api/v1/cameras", headers={"Authorization": f"Bearer {SUPERVISOR}"}) as r:
        cameras = await r.json()
    return str(next(c["id"] for c in cameras if c["mode"] == "push"))


def _video_workers(server: OneProcess) -> list[int]:
    out = []
    for pid in server.children():
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"multiprocessing" in cmd and b"resource_tracker" not in cmd:
            out.append(pid)
    return out


Case = tuple[str, Callable[[], Awaitable[dict[str, object]]]]

CASES: list[Case] = [
    ("poison-one-process", poison_one_process),
    ("poison-redis", lambda: on_redis("poison positions, Redis tracker", None, poison=True)),
    ("kill-gateway", lambda: on_redis("kill -9 gateway mid-ingest",
                                      kill_and_start("gateway-0", 2.0), probe="gateway-0")),
    ("kill-tracker", lambda: on_redis("kill -9 tracker mid-ingest",
                                      kill_and_start("tracker-0", 4.0))),
    ("kill-web", lambda: on_redis("kill -9 web mid-ingest", kill_and_start("web-0", 2.0))),
    ("redis-restart", lambda: on_redis("Redis kill -9 + restart mid-ingest", redis_restart)),
    ("video-worker", video_worker_dies),
]
