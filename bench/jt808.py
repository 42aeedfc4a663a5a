"""JT/T 808 decoding speed: 0x0200 location frames -> Position per second on one core.

Deframe + decode + Position, as the listener does for every report; the frames carry the usual
additional items (mileage, satellites). Two feeds: one frame per read (a terminal's normal
traffic) and 64 KiB reads of back-to-back frames (a backlog after a reconnect).
Run: python bench/jt808.py
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway import jt808_encoder as enc
from gateway.jt808_decoder import decode
from gateway.jt808_framing import Deframer
from gateway.jt808_messages import Location, Message
from gateway.jt808_server import location_to_position

BEIJING = timezone(timedelta(hours=8))
N = 50_000
PHONES = [f"0138{i:08d}" for i in range(100)]


def make_frames() -> list[bytes]:
    frames = []
    for i in range(N):
        loc = Location(0, 3, 30.5 + (i % 997) * 1e-5, 104.0 + (i % 991) * 1e-5, 500,
                       (i % 600) / 10, i % 360, 1_718_000_000.0 + i, 1234.5, 9)
        frames.append(enc.location(PHONES[i % len(PHONES)], i & 0xFFFF, loc, BEIJING))
    return frames


def run(chunks: list[bytes]) -> tuple[int, float]:
    deframer = Deframer()
    offset = 8 * 3600
    count = 0
    start = time.process_time()  # CPU time: "per core", whatever else the machine runs
    for chunk in chunks:
        for payload in deframer.feed(chunk):
            msg = decode(payload, offset)
            if isinstance(msg, Message):
                loc = msg.body
                if isinstance(loc, Location):
                    location_to_position(loc, "truck-07", msg.header.phone)
                    count += 1
    return count, time.process_time() - start


def main() -> None:
    frames = make_frames()
    stream = b"".join(frames)
    escaped = sum(1 for f in frames if b"\x7d" in f[1:-1])
    print(f"{N} location frames, {len(stream) / N:.1f} bytes each on average, "
          f"{escaped / N:.1%} with escapes")
    blocks = [stream[i:i + 65536] for i in range(0, len(stream), 65536)]
    for name, chunks in (("one frame per read", frames), ("64 KiB reads", blocks)):
        best = 0.0
        for _ in range(3):
            count, seconds = run(chunks)
            assert count == N, count
            best = max(best, count / seconds)
        print(f"{name:>20}: {best:,.0f} frames/s -> Position (best of 3, target 100,000)")


if __name__ == "__main__":
    main()
