"""Chaos cases for issue 13's edges: each starts a real `server.py` on free loopback ports,
attacks it, and says what was sent, acknowledged and kept (read back through the API), what
was lost or dropped without an answer, and what /healthz said.

    python -m bench.chaos_cases.edges            # every case, one row each
    python -m bench.chaos_cases.edges slow_connections   # one case

Cases: 20,000 slow and silent connections while a device and a supervisor keep working;
far-future and far-past fixes on JSON HTTP, WebSocket, OsmAnd and JT/T 808 (data clock,
alerts, restart); two /ws/live clients that never read (batch and plain) during a 1,000,000
position flood, with the server's RSS; deep nesting and bad device ids; JT/T 808 reports
without authentication while a secret is set; conflicting auto_register settings.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import orjson

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.chaos_cases.serverproc import DEVICE, SUPERVISOR, ServerProc, metric  # noqa: E402
from gateway import jt808_encoder as enc  # noqa: E402
from gateway.jt808_decoder import decode  # noqa: E402
from gateway.jt808_framing import Deframer  # noqa: E402
from gateway.jt808_messages import Location, Message  # noqa: E402

Result = dict[str, object]
SPOT = (36.6012, 116.9034)  # in the demo city
BEIJING = timezone(timedelta(hours=8))
PHONE = "013833501744"


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pin(srv: ServerProc) -> str:
    """The server on the first core, this driver and its attackers on the others (as
    bench/server_load.py does), so the attack's own CPU does not starve the server."""
    import os
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2 or srv.proc is None:
        return ""
    os.sched_setaffinity(srv.proc.pid, {cores[0]})
    os.sched_setaffinity(0, set(cores[1:]))  # children (the attackers) inherit it
    return f"; server pinned to core {cores[0]}, attack and driver on {cores[1:]}"


def row(case: str, sent: int, acknowledged: int, kept: int, lost: int, silent: int,
        health: str, notes: str) -> Result:
    return {"case": case, "sent": sent, "acknowledged": acknowledged, "kept": kept,
            "lost_acknowledged": lost, "silent_drops": silent, "health": health,
            "notes": notes}


async def health(srv: ServerProc) -> str:
    try:
        async with aiohttp.ClientSession(headers=srv.headers()) as http, http.get(
                srv.base + "/healthz", timeout=aiohttp.ClientTimeout(total=5)) as resp:
            return str((await resp.json()).get("status")) if resp.status == 200 \
                else f"HTTP {resp.status}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        return f"no answer ({type(exc).__name__})"


async def track_len(srv: ServerProc, device: str) -> int:
    from urllib.parse import quote
    try:
        return len((await srv.get(f"/api/v1/tracks/{quote(device)}"))["properties"]["times"])
    except (KeyError, TypeError, aiohttp.ClientError):
        return 0


async def settle(srv: ServerProc) -> None:
    """Until the server's queue is empty."""
    for _ in range(600):
        if (await srv.get("/healthz")).get("queued_positions", 0) == 0:
            return
        await asyncio.sleep(0.1)


async def jt808_answers(reader: asyncio.StreamReader, deframer: Deframer, n: int
                        ) -> list[tuple[int, bytes]]:
    frames: list[bytes] = []
    async with asyncio.timeout(10):
        while len(frames) < n:
            chunk = await reader.read(4096)
            if not chunk:
                break
            frames += deframer.feed(chunk)
    out = []
    for payload in frames:
        msg = decode(payload)
        if isinstance(msg, Message) and isinstance(msg.body, bytes):
            out.append((msg.header.msg_id, msg.body))
    return out


# 1. 20,000 slow and silent connections --------------------------------------------------

ATTACK_S = 25.0


async def _attack(first: int, addresses: int, per_address: int, seconds: float) -> dict[str, int]:
    """Connections from 127.0.0.<first>..: half silent, half sending a request line a byte at
    a time; each one the server closes is opened again (after 0.2-1 s) until `seconds`."""
    raise_fd_limit()
    port = int(sys.argv[-1])
    stats = {"opened": 0, "closed_by_server": 0, "connect_failed": 0}
    end = time.monotonic() + seconds
    gate = asyncio.Semaphore(500)

    async def one(source: str, slow: bool) -> None:
        while time.monotonic() < end:
            try:
                async with gate:
                    reader, writer = await asyncio.open_connection(
                        "127.0.0.1", port, local_addr=(source, 0))
            except OSError:
                stats["connect_failed"] += 1
                await asyncio.sleep(0.5 + random.random())
                continue
            stats["opened"] += 1
            try:
                line = b"GET /healthz HTTP/1.1\r\nX-Slow: "
                i = 0
                while time.monotonic() < end:
                    if slow:
                        writer.write(line[i % len(line):i % len(line) + 1])
                        i += 1
                    try:
                        async with asyncio.timeout(2.0):
                            if not await reader.read(1024):
                                stats["closed_by_server"] += 1
                                break
                    except TimeoutError:
                        continue
            except ConnectionError:
                stats["closed_by_server"] += 1
            finally:
                writer.close()
            await asyncio.sleep(0.2 + 0.8 * random.random())

    await asyncio.gather(*(one(f"127.0.0.{first + a}", bool(i % 2))
                           for a in range(addresses) for i in range(per_address)))
    return stats


async def slow_connections(total: int = 20_000, attackers: int = 2) -> Result:
    raise_fd_limit()
    with tempfile.TemporaryDirectory() as tmp:
        srv = ServerProc(Path(tmp), gateway={"rate_messages_per_s": 100_000})
        await srv.start()
        limit = srv.open_files_limit()
        pinned = pin(srv)
        per_proc = total // attackers
        addresses = 10
        procs = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.chaos_cases.edges", "--attack",
            str(2 + k * addresses), str(addresses), str(per_proc // addresses),
            str(ATTACK_S), str(srv.port), cwd=ROOT, stdout=subprocess.PIPE)
            for k in range(attackers)]
        sent = acked = refused = silent = 0
        device_worst = supervisor_worst = 0.0
        late = checks = 0
        late_at: list[str] = []
        attack_began = time.monotonic()
        t0 = time.time() - 5
        async with aiohttp.ClientSession() as http, http.ws_connect(
                srv.base + "/ws/device", headers=srv.headers(DEVICE)) as ws:
            await asyncio.sleep(3.0)  # the attack builds up
            end = time.monotonic() + ATTACK_S - 5

            async def device() -> None:
                nonlocal sent, acked, refused, silent, device_worst
                while time.monotonic() < end:
                    fix = {"device": "p-g1-a", "ts": t0 + sent, "lat": SPOT[0], "lon": SPOT[1]}
                    began = time.monotonic()
                    await ws.send_str(orjson.dumps(fix).decode())
                    sent += 1
                    try:
                        async with asyncio.timeout(5):
                            answer = await ws.receive_json()
                    except TimeoutError:
                        silent += 1
                        continue
                    device_worst = max(device_worst, time.monotonic() - began)
                    acked += answer.get("accepted", 0)
                    refused += 0 if answer.get("accepted") else 1
                    await asyncio.sleep(0.25)

            async def supervisor() -> None:
                nonlocal supervisor_worst, late, checks
                while time.monotonic() < end:
                    began = time.monotonic()
                    checks += 1
                    try:
                        async with aiohttp.ClientSession(headers=srv.headers()) as sup, \
                                sup.get(srv.base + "/healthz",
                                        timeout=aiohttp.ClientTimeout(total=5)) as resp:
                            ok = resp.status == 200
                    except (aiohttp.ClientError, TimeoutError):
                        ok = False
                    took = time.monotonic() - began
                    supervisor_worst = max(supervisor_worst, took)
                    if not ok or took > 1.0:
                        late += 1
                        late_at.append(f"{began - attack_began:.0f}s:{took * 1000:.0f}ms")
                    await asyncio.sleep(0.5)

            await asyncio.gather(device(), supervisor())
        stats = [json.loads((await p.communicate())[0] or b"{}") for p in procs]
        await settle(srv)
        kept = await track_len(srv, "p-g1-a")
        metrics_text = await _metrics(srv)
        state = await health(srv)
        await srv.stop()
    opened = sum(s.get("opened", 0) for s in stats)
    return row("slow_connections", sent, acked, kept, max(0, acked - kept), silent,
               f"{state}; {late} of {checks} supervisor checks late (>1 s) or failed",
               f"{opened} attack connections opened ({total} at once), "
               f"{sum(s.get('closed_by_server', 0) for s in stats)} closed by the server; "
               f"late checks (time into the attack: answer) {' '.join(late_at) or 'none'}; "
               f"worst answer: device {device_worst * 1000:.0f} ms, supervisor "
               f"{supervisor_worst * 1000:.0f} ms; evicted "
               f"{_listener(metrics_text, 'evicted_waiting'):.0f}, header timeouts "
               f"{_listener(metrics_text, 'header_timeout'):.0f}, accept errors "
               f"{_listener(metrics_text, 'accept_errors'):.0f}; "
               f"server open-file limit {limit}{pinned}")


async def _metrics(srv: ServerProc) -> str:
    async with aiohttp.ClientSession(headers=srv.headers()) as http, http.get(
            srv.base + "/metrics") as resp:
        return await resp.text()


def _listener(text: str, what: str) -> float:
    for line in text.splitlines():
        if line.startswith("gridwatch_gateway_events_total{") and 'transport="listener"' in line \
                and f'what="{what}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# 2. Far-future and far-past fixes on every protocol ---------------------------------------

async def _jt808_report(port: int, ts: float, serial: int) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        fix = Location(0, 0b11, SPOT[0], SPOT[1], 40, 18.0, 90, float(int(ts)))
        writer.write(enc.location(PHONE, serial, fix, BEIJING))
        answers = await jt808_answers(reader, Deframer(), 1)
        return answers[0][1][4] if answers else -1
    finally:
        writer.close()


async def _osmand(port: int, device: str, ts: float) -> int:
    stamp = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{port}/?id={device}&lat={SPOT[0]}&lon={SPOT[1]}"
            f"&timestamp={stamp}") as resp:
        return resp.status


async def time_sanity() -> Result:
    now = time.time()
    bad_times = {"2099": datetime(2099, 6, 1, tzinfo=UTC).timestamp(),
                 "2001": datetime(2001, 6, 1, tzinfo=UTC).timestamp(),
                 "30 days ago": now - 30 * 86_400}
    with tempfile.TemporaryDirectory() as tmp:
        srv = ServerProc(Path(tmp), clock="data", jt808={"terminals": {PHONE: "truck-07"}})
        await srv.start()
        good = now - 60
        sent = acked = answered_no = 0
        async with aiohttp.ClientSession(headers=srv.headers(DEVICE)) as http:
            async with http.post(srv.base + "/api/v1/positions", json={
                    "device": "p-g1-a", "ts": good, "lat": SPOT[0], "lon": SPOT[1]}) as resp:
                sent += 1
                acked += (await resp.json())["accepted"]
            await settle(srv)
            clock_before = (await srv.get("/healthz"))["clock"]
            alerts_before = len(await srv.get("/api/v1/alerts"))
            serial = 1
            async with http.ws_connect(srv.base + "/ws/device") as ws:
                for ts in bad_times.values():
                    bad = {"device": "p-g1-b", "ts": ts, "lat": SPOT[0], "lon": SPOT[1]}
                    async with http.post(srv.base + "/api/v1/positions", json=bad) as resp:
                        n = (await resp.json())["accepted"]
                    await ws.send_str(orjson.dumps({**bad, "device": "p-g2-a"}).decode())
                    m = (await ws.receive_json())["accepted"]
                    o = await _osmand(srv.osmand, "p-g2-b", ts)
                    j = await _jt808_report(srv.jt808, ts, serial)
                    serial += 1
                    sent += 4
                    acked += n + m + (o == 200) + (j == 0)
                    answered_no += (n == 0) + (m == 0) + (o == 400) + (j == 2)
        await settle(srv)
        clock_after = (await srv.get("/healthz"))["clock"]
        alerts_after = len(await srv.get("/api/v1/alerts"))
        shown = {d["device"] for d in await srv.get("/api/v1/devices")}
        kept = ("p-g1-a" in shown) + len(shown & {"p-g1-b", "p-g2-a", "p-g2-b", "truck-07"})
        await srv.stop()
        restart_s = await srv.start()
        clock_restart = (await srv.get("/healthz"))["clock"]
        state = await health(srv)
        await srv.stop()
    silent = sent - acked - answered_no
    return row("time_sanity", sent, acked, kept, max(0, acked - kept), silent, state,
               f"bad times {', '.join(bad_times)} on JSON HTTP, WS, OsmAnd, JT/T 808; data "
               f"clock {'unmoved' if clock_after == clock_before else 'MOVED'} "
               f"({clock_before:.0f} -> {clock_after:.0f}), after restart "
               f"{'same' if clock_restart == clock_before else 'MOVED'}; new alerts "
               f"{alerts_after - alerts_before}; restart {restart_s:.1f} s")


# 3. /ws/live clients that never read, during a 1,000,000-position flood ----------------

async def live_reader_flood(positions: int = 1_000_000, devices: int = 200) -> Result:
    per_msg = 1000
    per_device = positions // devices
    with tempfile.TemporaryDirectory() as tmp:
        srv = ServerProc(Path(tmp), devices={"auto_register": True}, gateway={
            "rate_messages_per_s": 1e7, "rate_burst": 1e7})
        await srv.start()
        t0 = time.time() - per_device - 120
        samples: list[float] = []
        acked = silent = 0
        async with aiohttp.ClientSession(headers=srv.headers()) as http:
            readers = [await http.ws_connect(srv.base + "/ws/live", max_msg_size=0)
                       for _ in range(2)]
            for ws, mode in zip(readers, (True, False), strict=True):
                await ws.send_str(orjson.dumps({"subscribe": {"batch": mode}}).decode())
                await ws.receive_json()
            # From here on neither reads.
            await asyncio.sleep(0.5)
            rss_start = srv.rss_mb()
            stop = asyncio.Event()

            async def sample() -> None:
                while not stop.is_set():
                    samples.append(srv.rss_mb())
                    await asyncio.sleep(0.25)

            sampler = asyncio.create_task(sample())
            ids = [f"flood-{i:04d}" for i in range(devices)]
            steps = per_msg // devices

            def message(k: int) -> str:
                return orjson.dumps([{"device": d, "ts": t0 + k * steps + j, "lat": SPOT[0]
                                      + i * 1e-5, "lon": SPOT[1]}
                                     for j in range(steps) for i, d in enumerate(ids)]).decode()

            async def feeder(first: int, count: int) -> None:
                nonlocal acked, silent
                async with aiohttp.ClientSession(headers=srv.headers(DEVICE)) as dev, \
                        dev.ws_connect(srv.base + "/ws/device") as ws:
                    for k in range(first, first + count):
                        await ws.send_str(message(k))
                        try:
                            async with asyncio.timeout(60):
                                answer = await ws.receive_json()
                        except TimeoutError:
                            silent += per_msg
                            continue
                        acked += answer["accepted"]
            messages = positions // per_msg
            began = time.monotonic()
            await asyncio.gather(*(feeder(k * messages // 4, messages // 4) for k in range(4)))
            await settle(srv)
            took = time.monotonic() - began
            stop.set()
            await sampler
            rss_end = srv.rss_mb()
            text = await _metrics(srv)
            dropped = metric(text, "gridwatch_live_clients_dropped_total")
            kept = 0
            for d in ids:
                kept += await track_len(srv, d)
            for ws in readers:
                await ws.close()
        state = await health(srv)
        await srv.stop()
    return row("live_reader_flood", positions, acked, kept, max(0, acked - kept), silent,
               state, f"2 non-reading /ws/live clients (batch, plain): {dropped:.0f} dropped; "
               f"server RSS {rss_start:.0f} MB at start, peak {max(samples, default=0):.0f} "
               f"MB, {rss_end:.0f} MB at end (tracks of 1M fixes included); "
               f"{positions / took:,.0f} positions/s")


# 4. Deep nesting and bad device ids ------------------------------------------------------

async def bad_input() -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        srv = ServerProc(Path(tmp), devices={"auto_register": True})
        await srv.start()
        now = time.time() - 30
        statuses: list[int] = []
        sent = acked = answered_no = 0
        deep = b'{"positions": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        bad_ids = ["a/b", "rlo\u202eevil", "zero\u200bwidth", "bell\x07", "x" * 65, "\u2028"]
        async with aiohttp.ClientSession(headers=srv.headers(DEVICE)) as http:
            for _ in range(20):
                async with http.post(srv.base + "/api/v1/positions", data=deep,
                                     headers={"Content-Type": "application/json"}) as resp:
                    statuses.append(resp.status)
            sent += 20
            answered_no += sum(s == 400 for s in statuses)
            async with http.ws_connect(srv.base + "/ws/device", max_msg_size=0) as ws:
                for _ in range(20):
                    await ws.send_bytes(deep)
                    answer = await ws.receive_json()
                    sent += 1
                    answered_no += answer.get("accepted") == 0 and "nested" in answer["error"]
            body = [{"device": d, "ts": now, "lat": SPOT[0], "lon": SPOT[1]} for d in bad_ids]
            async with http.post(srv.base + "/api/v1/positions", json=body) as resp:
                statuses.append(resp.status)
                answer = await resp.json()
                sent += len(bad_ids)
                acked += answer["accepted"]
                answered_no += len(answer["rejected"])
            for d in ("a%2Fb", "x" * 300, "%E2%80%AE"):
                async with http.get(srv.base + f"/api/v1/tracks/{d}",
                                    headers=srv.headers()) as resp:
                    statuses.append(resp.status)
            for name in ("a" * 300, "b" * 5000):
                async with http.get(srv.base + f"/static/{name}") as resp:
                    statuses.append(resp.status)
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(f"GET /ws/live?token={SUPERVISOR} HTTP/1.1 x\r\n\r\n".encode())
        echoed = SUPERVISOR.encode() in await reader.read()
        writer.close()
        await settle(srv)
        shown = {d["device"] for d in await srv.get("/api/v1/devices")}
        state = await health(srv)
        await srv.stop()
        logged = SUPERVISOR in srv.log.read_text(errors="replace")
    fives = sum(s >= 500 for s in statuses)
    return row("bad_input", sent, acked, len(shown), max(0, acked - len(shown)),
               sent - acked - answered_no, state,
               f"deep nesting x40 (HTTP, WS), {len(bad_ids)} bad ids, bad track ids, long "
               f"static names: 5xx answers {fives}, statuses {sorted(set(statuses))}; token "
               f"{'ECHOED' if echoed else 'not echoed'}, {'LOGGED' if logged else 'not logged'}")


# 5. JT/T 808 reports without authentication while a secret is set ----------------------

async def jt808_unauthenticated(reports: int = 20) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        srv = ServerProc(Path(tmp), jt808={"auth_secret": "chaos-secret",
                                           "terminals": {PHONE: "truck-07"}})
        await srv.start()
        now = int(time.time()) - 3 * reports
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.jt808)
        deframer = Deframer()
        results: list[int] = []
        writer.write(enc.register(PHONE, 1))
        [(_, body)] = await jt808_answers(reader, deframer, 1)
        code = body[3:].decode()
        for i in range(reports):  # never authenticated
            writer.write(enc.location(PHONE, 2 + i, Location(0, 3, SPOT[0], SPOT[1], 0, 9.0,
                                                              0, float(now + i)), BEIJING))
        results += [b[4] for _, b in await jt808_answers(reader, deframer, reports)]
        refused_before = sum(r == 1 for r in results)
        writer.write(enc.authenticate(PHONE, 100, code))
        auth = await jt808_answers(reader, deframer, 1)
        for i in range(reports):
            writer.write(enc.location(PHONE, 200 + i, Location(
                0, 3, SPOT[0], SPOT[1], 0, 9.0, 0, float(now + reports + i)), BEIJING))
        after = [b[4] for _, b in await jt808_answers(reader, deframer, reports)]
        writer.close()
        await settle(srv)
        kept = await track_len(srv, "truck-07")
        state = await health(srv)
        await srv.stop()
    acked = sum(r == 0 for r in results + after)
    answered = len(results) + len(after)
    return row("jt808_unauthenticated", 2 * reports, acked, kept, max(0, acked - kept),
               2 * reports - answered, state,
               f"{refused_before} of {reports} reports before authenticating answered 0x8001 "
               f"result 1; authentication result {auth[0][1][4] if auth else '?'}; "
               f"{sum(r == 0 for r in after)} of {reports} after it taken")


# 6. Conflicting auto_register settings ----------------------------------------------------

async def auto_register_conflict(terminals: int = 43) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        conflicting = ServerProc(folder / "a", jt808={"auto_register": True})
        try:
            await conflicting.start()
            refused = "STARTED"
        except RuntimeError as exc:
            text = str(exc)
            refused = "refused at start" if "[devices] auto_register" in text and \
                "[jt808] auto_register" in text else f"exited: {text[:80]}"
        srv = ServerProc(folder / "b", devices={"auto_register": True},
                         jt808={"auto_register": True})
        await srv.start()
        rng = random.Random(13)
        phones = [f"0{rng.randrange(10**10, 10**11)}" for _ in range(terminals)]
        acked = answered = 0
        now = int(time.time()) - 30
        for k, phone in enumerate(phones):
            reader, writer = await asyncio.open_connection("127.0.0.1", srv.jt808)
            deframer = Deframer()
            writer.write(enc.register(phone, 1))
            [(_, body)] = await jt808_answers(reader, deframer, 1)
            writer.write(enc.authenticate(phone, 2, body[3:].decode())
                         + enc.location(phone, 3, Location(0, 3, SPOT[0] + k * 1e-4, SPOT[1],
                                                           0, 9.0, 0, float(now)), BEIJING))
            answers = await jt808_answers(reader, deframer, 2)
            answered += len(answers) == 2
            acked += len(answers) == 2 and answers[1][1][4] == 0
            writer.close()
        await settle(srv)
        shown = {d["device"] for d in await srv.get("/api/v1/devices")}
        kept = len(shown & set(phones))
        state = await health(srv)
        await srv.stop()
    return row("auto_register_conflict", terminals, acked, kept, max(0, acked - kept),
               terminals - answered, state,
               f"[jt808] auto_register without [devices]: {refused} (both keys named); with "
               f"both: {kept} of {terminals} unknown terminals in /api/v1/devices")


CASES: list[tuple[str, Callable[[], Awaitable[dict[str, object]]]]] = [
    ("slow_connections", slow_connections),
    ("time_sanity", time_sanity),
    ("live_reader_flood", live_reader_flood),
    ("bad_input", bad_input),
    ("jt808_unauthenticated", jt808_unauthenticated),
    ("auto_register_conflict", auto_register_conflict),
]


def print_rows(rows: list[Result]) -> None:
    cols = ["case", "sent", "acknowledged", "kept", "lost_acknowledged", "silent_drops",
            "health"]
    print("| " + " | ".join(cols) + " | notes |")
    print("|" + "---|" * (len(cols) + 1))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + f" | {r['notes']} |", flush=True)


async def main(names: list[str]) -> None:
    rows = []
    for name, case in CASES:
        if names and name not in names:
            continue
        rows.append(await case())
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    print_rows(rows)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--attack"]:
        first, addresses, per_address, seconds = sys.argv[2:6]
        print(json.dumps(asyncio.run(_attack(int(first), int(addresses), int(per_address),
                                             float(seconds)))))
    else:
        asyncio.run(main(sys.argv[1:]))
