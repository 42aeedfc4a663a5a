"""Protocol listener settings: the docs/contract.md §6 keys, bounds and refusals."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import pytest
from pydantic import ValidationError

from config.protocols import Jt808Config, OsmandConfig, parse_utc_offset

CONTRACT_EXAMPLE = """
[osmand]
port = 5055
auto_register = false

[jt808]
port = 6808
auto_register = false
timezone = "+08:00"

[jt808.terminals]
"013833501744" = "truck-07"
"""


def test_contract_example_and_defaults() -> None:
    raw = tomllib.loads(CONTRACT_EXAMPLE)
    osmand, jt808 = OsmandConfig(**raw["osmand"]), Jt808Config(**raw["jt808"])
    assert (osmand.port, osmand.auto_register, osmand.host) == (5055, False, "127.0.0.1")
    assert jt808.terminals == {"013833501744": "truck-07"}
    assert jt808.tzinfo().utcoffset(None) == timedelta(hours=8)
    assert Jt808Config() == Jt808Config(**raw["jt808"]).model_copy(update={"terminals": {}})


@pytest.mark.parametrize(("fields", "message"), [
    ({"terminals": {"13833501744": "x"}}, "12 or 20 digits"),
    ({"terminals": {"01383350174A": "x"}}, "12 or 20 digits"),
    ({"terminals": {"013833501744": " "}}, "1-64 characters"),
    ({"timezone": "UTC+8"}, "UTC offset like"),
    ({"timezone": "+15:00"}, "outside"),
    ({"port": 70000}, "less than or equal to 65535"),
    ({"idle_timeout_s": 0}, "greater than 0"),
    ({"max_frame_bytes": 10}, "greater than or equal to 64"),
    ({"colour": "red"}, "Extra inputs are not permitted"),
])
def test_refusals_name_the_problem(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Jt808Config(**fields)


def test_offsets() -> None:
    assert parse_utc_offset("-03:30").utcoffset(None) == -timedelta(hours=3, minutes=30)
    assert parse_utc_offset("+00:00").utcoffset(None) == timedelta(0)
    with pytest.raises(ValidationError, match="Extra inputs"):
        OsmandConfig(auto_registr=True)  # type: ignore[call-arg]
