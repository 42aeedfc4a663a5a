"""Device protocol listeners (docs/contract.md §4 and 6): OsmAnd over HTTP and JT/T 808 over TCP."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field, field_validator

from config.patrol import Strict

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_PHONE = re.compile(r"^\d{12}$|^\d{20}$")


def parse_utc_offset(text: str) -> dt.timezone:
    """"+08:00" -> a fixed-offset tzinfo; anything else is a ValueError naming the format."""
    match = _OFFSET.match(text)
    if match is None:
        raise ValueError(f"timezone {text!r} must be a UTC offset like +08:00 or -03:30")
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
    if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
        raise ValueError(f"timezone {text!r} is outside -14:00..+14:00")
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if sign == "-" else delta)


class OsmandConfig(Strict):
    enabled: bool = Field(default=True, description="false: no OsmAnd listener.")
    host: str = Field(
        default="127.0.0.1",
        description="Address the OsmAnd / Traccar Client listener binds (0.0.0.0 to reach it "
        "from phones on the network).")
    port: int = Field(default=5055, ge=0, le=65535, description="OsmAnd HTTP port (0: any free).")
    auto_register: bool = Field(
        default=False,
        description="true: unknown ids become devices named by their id; needs [devices] "
        "auto_register = true, which takes unknown ids on every protocol (refused at start "
        "without it). false: unknown ids are answered 404 unless [devices] takes them.")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024,
                                description="Largest request body (form or JSON) accepted.")


class Jt808Config(Strict):
    enabled: bool = Field(default=True, description="false: no JT/T 808 listener.")
    host: str = Field(default="127.0.0.1", description="Address the JT/T 808 listener binds.")
    port: int = Field(default=6808, ge=0, le=65535,
                      description="JT/T 808 TCP port (0: any free).")
    auto_register: bool = Field(
        default=False,
        description="true: unknown terminals register as device \"<phone number>\" (needs "
        "[devices] auto_register = true); false: registration answers 4 (no such terminal) and "
        "their reports are refused.")
    timezone: str = Field(
        default="+08:00",
        description="UTC offset of the terminals' BCD clocks (the standard says Beijing time).")
    terminals: dict[str, str] = Field(
        default_factory=dict,
        description="Phone number as in the frame header (12 digits for 2011/2013 terminals, "
        "20 for 2019) -> device id of an inspector or vehicle.")
    max_frame_bytes: int = Field(
        default=4096, ge=64, le=65536,
        description="Longest escaped frame; a longer run without a 0x7e delimiter is discarded "
        "as garbage.")
    idle_timeout_s: float = Field(
        default=600.0, gt=0.0, le=86400.0,
        description="A connection silent for this long is closed (terminals heartbeat every "
        "30-60 s).")
    max_connections: int = Field(default=10_000, ge=1, le=1_000_000,
                                 description="Concurrent terminal connections.")
    drop_unfixed: bool = Field(
        default=True,
        description="Drop location reports whose status says the receiver has no fix (status "
        "bit 1 clear) instead of tracking them; they are still acknowledged and counted.")
    auth_secret: str = Field(
        default="",
        description="Non-empty: the auth code issued at registration is derived from it, 0x0102 "
        "must present that code, and location reports on a connection that has not "
        "authenticated are refused (0x8001 result 1); empty: any code from a known terminal is "
        "accepted and known terminals may report without authenticating.")

    @field_validator("timezone")
    @classmethod
    def _offset(cls, value: str) -> str:
        parse_utc_offset(value)
        return value

    @field_validator("terminals")
    @classmethod
    def _phones(cls, terminals: dict[str, str]) -> dict[str, str]:
        for phone, device in terminals.items():
            if not _PHONE.match(phone):
                raise ValueError(f"terminal {phone!r}: phone number must be 12 or 20 digits "
                                 "as in the frame header (keep leading zeros, quote it)")
            if not device.strip() or len(device) > 64:
                raise ValueError(f"terminal {phone!r}: device id must be 1-64 characters")
        return terminals

    def tzinfo(self) -> dt.timezone:
        return parse_utc_offset(self.timezone)
