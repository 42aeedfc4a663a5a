"""python -m simulator cases drives the real server over HTTP: a short run lands every case
and action it sends, and the evaluation reads them back."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cases.assemble import CasesPart
from server import DEMO_CITY
from simulator.cases import CLOCK_DEVICE, run_cases, write_config
from tests.serverkit import running_server


async def test_two_days_of_cases_over_http(tmp_path: Path) -> None:
    config = tmp_path / "cases.toml"
    tokens = write_config(config, DEMO_CITY, seed=3)
    async with running_server(tmp_path, tokens=tokens, server={"clock": "data"},
                              devices={"vehicles": [CLOCK_DEVICE]}) as srv:
        first = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=3)
        out = await run_cases(srv.base, config, DEMO_CITY, days=2, per_day=12, seed=5,
                              first=first)
        assert out["refused"] == {}, out
        made = sum(out["cases"].values())
        assert made >= 12 and out["actions"]["accept"] == made
        assert out["actions"]["close"] >= 1
        parts = srv.server.parts.cases
        assert isinstance(parts, CasesPart)  # the case loop in the test's process
        opened = 0
        for day in (first, first + timedelta(days=1), first + timedelta(days=2)):
            table = await parts.api.evaluation.table("department", "day", day.isoformat())
            opened += sum(r["opened"] for r in table["rows"])
        assert opened == out["actions"]["open"]
