"""city.toml: the city's time zone, patrol window, required passes and input datum."""

from __future__ import annotations

import logging
import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any, get_args

from geofence.errors import CityError
from geofence.model import CitySettings, InputCrs, RoadClass

log = logging.getLogger(__name__)

FILE = "city.toml"
_KEYS = ("timezone", "patrol_window", "required_passes", "input_crs")
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _fail(reason: str) -> CityError:
    return CityError(FILE, None, reason)


def parse_window(text: str) -> tuple[int, int]:
    """"HH:MM-HH:MM" -> (start, end) in minutes after local midnight; "24:00" may end it."""
    m = _WINDOW.match(text)
    if m is None:
        raise _fail(f"patrol_window {text!r} is not \"HH:MM-HH:MM\"")
    h0, m0, h1, m1 = (int(g) for g in m.groups())
    start, end = h0 * 60 + m0, h1 * 60 + m1
    if h0 > 23 or m0 > 59 or m1 > 59 or end > 24 * 60:
        raise _fail(f"patrol_window {text!r} has an impossible time of day")
    if start >= end:
        raise _fail(f"patrol_window {text!r} must start before it ends")
    return start, end


def _timezone(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"timezone must be a zone name such as \"Asia/Shanghai\", got {value!r}")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _fail(f"timezone {value!r} is not a known time zone") from None
    return value


def _required(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise _fail(f"required_passes must be a table such as {{main = 5, secondary = 4}}, "
                    f"got {value!r}")
    out = dict(CitySettings().required_passes)
    classes = get_args(RoadClass)
    for key, n in value.items():
        if key not in classes:
            raise _fail(f"required_passes: unknown road class {key!r} "
                        f"(expected {' or '.join(classes)})")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise _fail(f"required_passes.{key} must be a positive integer, got {n!r}")
        out[key] = n
    return out


def _crs(value: Any) -> InputCrs:
    for name in get_args(InputCrs):
        if value == name:
            return name  # type: ignore[no-any-return]
    raise _fail(f"input_crs {value!r} is not one of {', '.join(get_args(InputCrs))}")


def parse_settings(raw: dict[str, Any]) -> CitySettings:
    """Validate the parsed TOML table; every key is optional, unknown keys are refused."""
    for key in raw:
        if key not in _KEYS:
            raise _fail(f"unknown key {key!r} (known: {', '.join(_KEYS)})")
    defaults = CitySettings()
    start, end = defaults.window_start_min, defaults.window_end_min
    if "patrol_window" in raw:
        window = raw["patrol_window"]
        if not isinstance(window, str):
            raise _fail(f"patrol_window must be a string \"HH:MM-HH:MM\", got {window!r}")
        start, end = parse_window(window)
    return CitySettings(
        timezone=_timezone(raw["timezone"]) if "timezone" in raw else defaults.timezone,
        window_start_min=start,
        window_end_min=end,
        required_passes=(_required(raw["required_passes"]) if "required_passes" in raw
                         else dict(defaults.required_passes)),
        input_crs=_crs(raw["input_crs"]) if "input_crs" in raw else defaults.input_crs,
    )


def load_settings(folder: Path) -> CitySettings:
    """The folder's city.toml, or the defaults when there is none."""
    path = folder / FILE
    if not path.exists():
        log.debug("%s: no %s, using defaults", folder, FILE)
        return CitySettings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise _fail("not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise _fail(f"cannot read: {exc.strerror}") from None
    return parse_settings(raw)
