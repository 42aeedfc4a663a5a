"""Faults injected on purpose, for the failure-policy tests and bench/chaos.py only.

Enabled by the environment variable GRIDWATCH_TEST_FAULTS (a comma list), never by the config
file, and the server says so loudly at start. Known faults:

    poison-rule   tracking raises on every fix that reports speed POISON_SPEED (66.6 m/s), in
                  a device rule (tracking/rules/testfault.py): a poison position
    poison-frame  video analysis raises on every frame whose time ends in .666 s (a poison frame)
"""

from __future__ import annotations

import os

ENV = "GRIDWATCH_TEST_FAULTS"
KNOWN = frozenset({"poison-rule", "poison-frame"})
POISON_SPEED = 66.6  # m/s
POISON_FRAME_MS = 666  # a frame at ...x.666 s


def enabled(name: str) -> bool:
    return name in active()


def active() -> frozenset[str]:
    raw = os.environ.get(ENV, "")
    names = frozenset(n.strip() for n in raw.split(",") if n.strip())
    unknown = names - KNOWN
    if unknown:
        raise ValueError(f"{ENV}: unknown test faults {sorted(unknown)}; known: {sorted(KNOWN)}")
    return names


def poison_frame(ts: float) -> bool:
    return round(ts * 1000) % 1000 == POISON_FRAME_MS
