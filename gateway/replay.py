"""Replay captured device traffic against a running gridwatch.

    python -m gateway.replay --jt808 HOST:PORT FILE    # one hex frame per line
    python -m gateway.replay --osmand URL FILE         # one query string, path or URL per line

Blank lines and everything after '#' are ignored. Each line is sent in turn and the server's
answers are printed: for JT/T 808 the decoded reply frames (0x8001 / 0x8100 with their result),
for OsmAnd the HTTP status and body. Exit status 1 if any line could not be sent or was refused.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import aiohttp

from gateway.jt808_decoder import decode
from gateway.jt808_framing import Deframer
from gateway.jt808_messages import PLATFORM_ACK, REGISTER_ACK, Message


def lines(path: Path) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.split("#", 1)[0].strip()
        if text:
            yield number, text


def describe_reply(payload: bytes) -> str:
    msg = decode(payload)
    if not isinstance(msg, Message):
        return f"unreadable reply ({msg.reason})"
    h, body = msg.header, msg.body
    if h.msg_id == PLATFORM_ACK and isinstance(body, bytes) and len(body) >= 5:
        return (f"0x8001 to serial {int.from_bytes(body[0:2], 'big')} "
                f"id 0x{int.from_bytes(body[2:4], 'big'):04x}: result {body[4]}")
    if h.msg_id == REGISTER_ACK and isinstance(body, bytes) and len(body) >= 3:
        code = body[3:].decode("gbk", errors="replace")
        return (f"0x8100 to serial {int.from_bytes(body[0:2], 'big')}: result {body[2]}"
                + (f", auth code {code!r}" if code else ""))
    return f"0x{h.msg_id:04x} from the platform"


async def replay_jt808(target: str, path: Path, wait_s: float) -> int:
    host, _, port = target.rpartition(":")
    reader, writer = await asyncio.open_connection(host or "127.0.0.1", int(port))
    deframer = Deframer()
    failures = 0
    try:
        for number, text in lines(path):
            try:
                data = bytes.fromhex(text.replace(" ", ""))
            except ValueError:
                print(f"line {number}: not hex, skipped")
                failures += 1
                continue
            writer.write(data)
            await writer.drain()
            print(f"line {number}: sent {len(data)} bytes")
            replies: list[bytes] = []
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_s):
                    while not replies:
                        chunk = await reader.read(4096)
                        if not chunk:
                            print("  connection closed by the server")
                            return 1
                        replies.extend(deframer.feed(chunk))
            if not replies:
                print("  no answer")
            for reply in replies:
                print(f"  got {describe_reply(reply)}")
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return 1 if failures else 0


def osmand_url(base: str, line: str) -> str:
    if line.startswith(("http://", "https://")):
        return line
    if line.startswith("/"):
        return urljoin(base, line)
    return base.rstrip("/") + "/?" + line.lstrip("?")


async def replay_osmand(base: str, path: Path, wait_s: float) -> int:
    failures = 0
    timeout = aiohttp.ClientTimeout(total=max(wait_s, 1.0) * 5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for number, text in lines(path):
            url = osmand_url(base, text)
            try:
                async with session.get(url) as response:
                    body = (await response.text()).strip()
            except aiohttp.ClientError as exc:
                print(f"line {number}: {url} failed: {exc}")
                failures += 1
                continue
            print(f"line {number}: {url} -> {response.status} {body}".rstrip())
            failures += response.status != 200
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.replay", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--jt808", metavar="HOST:PORT", help="JT/T 808 listener to send to")
    group.add_argument("--osmand", metavar="URL", help="OsmAnd listener, e.g. http://h:5055")
    parser.add_argument("file", type=Path)
    parser.add_argument("--wait", type=float, default=1.0,
                        help="seconds to wait for a JT/T 808 answer (default 1)")
    args = parser.parse_args(argv)
    if args.jt808:
        return asyncio.run(replay_jt808(args.jt808, args.file, args.wait))
    return asyncio.run(replay_osmand(args.osmand, args.file, args.wait))


if __name__ == "__main__":
    sys.exit(main())
