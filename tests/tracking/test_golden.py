"""Speed work changes no decision: the golden patrol day (tests/tracking/goldenday.py) gives
exactly the compliance table, passes, alerts and matched roads recorded in golden_day.json.
After a change of decisions made on purpose: python -m tests.tracking.goldenday --write."""

from __future__ import annotations

import json

from tests.tracking.goldenday import GOLDEN, golden


def test_the_golden_day_decides_as_recorded() -> None:
    want = json.loads(GOLDEN.read_text())
    got = json.loads(json.dumps(golden()))  # tuples and keys as the file has them
    assert got["fixes"] == want["fixes"]
    for key in ("compliance", "passes", "alerts", "counters"):
        assert got[key] == want[key], key
    for key in ("matched", "live"):
        differ = sorted(d for d in want[key] if got[key].get(d) != want[key][d])
        assert differ == [] and got[key].keys() == want[key].keys(), f"{key}: {differ}"
