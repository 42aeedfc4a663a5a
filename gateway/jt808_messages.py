"""JT/T 808 message records shared by the decoder, the encoder and the server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

# Message ids, terminal -> platform.
TERMINAL_ACK = 0x0001
HEARTBEAT = 0x0002
LOGOUT = 0x0003
REGISTER = 0x0100
AUTHENTICATE = 0x0102
LOCATION = 0x0200
BATCH = 0x0704
# Platform -> terminal.
PLATFORM_ACK = 0x8001
REGISTER_ACK = 0x8100

# 0x8001 results (JT/T 808-2013 table 4): 0 ok, 1 failure, 2 message wrong, 3 not supported.
ACK_OK, ACK_FAILURE, ACK_MALFORMED, ACK_UNSUPPORTED = 0, 1, 2, 3
# 0x8100 results (JT/T 808-2013 8.6): 0 ok, 1 vehicle already registered, 2 no such vehicle,
# 3 terminal already registered, 4 no such terminal in the database.
REG_OK, REG_VEHICLE_TAKEN, REG_NO_VEHICLE, REG_TERMINAL_TAKEN, REG_NO_TERMINAL = 0, 1, 2, 3, 4

# Message body properties (WORD after the id).
PROPS_LENGTH = 0x03FF  # bits 0-9: body length in bytes
PROPS_RSA = 0x0400  # bit 10: body RSA-encrypted (bits 11-12 reserved for other ciphers)
PROPS_CIPHER = 0x1C00
PROPS_SUBPACKET = 0x2000  # bit 13: packet total and index follow the serial number
PROPS_V2019 = 0x4000  # bit 14: 2019 header (protocol version byte, 10-byte phone)

# Status bits of a location report.
STATUS_ACC = 1 << 0
STATUS_FIXED = 1 << 1
STATUS_SOUTH = 1 << 2
STATUS_WEST = 1 << 3


class Header(NamedTuple):  # a NamedTuple: built for every frame, twice as fast as a dataclass
    msg_id: int
    props: int
    version: int | None  # 2019 protocol version byte; None for a 2011/2013 header
    phone: str  # BCD digits as sent: 12 (2011/2013) or 20 (2019)
    serial: int
    packet_total: int = 0  # 0: not a subpacket
    packet_index: int = 0

    @property
    def body_length(self) -> int:
        return self.props & PROPS_LENGTH


class Location(NamedTuple):
    """One 0x0200 body (or one item of a 0x0704 batch), already in plain units."""

    alarm: int  # alarm flag bits
    status: int  # status bits (ACC, fixed, south, west, ...)
    lat: float  # degrees, negative south
    lon: float  # degrees, negative west
    altitude: int  # metres
    speed_kmh: float
    course: int  # degrees clockwise from north
    ts: float  # epoch seconds UTC (the BCD clock read in the configured zone)
    mileage_km: float | None = None  # additional item 0x01
    satellites: int | None = None  # additional item 0x31


@dataclass(frozen=True, slots=True)
class Registration:
    province: int
    city: int
    manufacturer: str
    model: str
    terminal_id: str
    plate_color: int
    plate: str


@dataclass(frozen=True, slots=True)
class Authentication:
    code: str
    imei: str | None = None  # 2019 only
    software: str | None = None  # 2019 only


@dataclass(frozen=True, slots=True)
class Batch:
    kind: int  # 0: normal batch, 1: blind-area (stored while offline) supplement
    locations: tuple[Location, ...]
    bad_items: int  # items whose body could not be read; their neighbours still count


Body = Registration | Authentication | Location | Batch | bytes | None


class Message(NamedTuple):
    header: Header
    body: Body  # None for empty bodies, raw bytes for ids we do not interpret


@dataclass(frozen=True, slots=True)
class Malformed:
    """A frame that passed its check code but could not be read; header if that much was."""

    header: Header | None
    reason: str
