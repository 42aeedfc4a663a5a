"""JT/T 808 TCP listener: one Deframer and session per terminal connection.

Choices (see also the README section):
- A location report from a terminal that is known (mapped in [jt808.terminals], or any terminal
  with auto_register) is accepted even when this connection never authenticated: many real
  terminals reconnect and report straight away, and refusing them loses fixes, not security
  (the phone number is not a secret either way).
- Acknowledgements are written after the sink took the positions, so a terminal whose reports
  were not taken (sink raised) hears "failure" and sends them again.
- 0x0001 (the terminal's answer to a platform command) gets no answer, as the standard says;
  every other terminal message gets 0x8001, except registration, which gets 0x8100.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from typing import Any

from config.protocols import Jt808Config
from gateway import jt808_encoder as enc
from gateway.jt808_decoder import decode, utc_offset_seconds
from gateway.jt808_framing import Deframer
from gateway.jt808_messages import (
    ACK_FAILURE,
    ACK_MALFORMED,
    ACK_OK,
    ACK_UNSUPPORTED,
    LOGOUT,
    PROPS_CIPHER,
    PROPS_SUBPACKET,
    REG_NO_TERMINAL,
    REG_OK,
    STATUS_FIXED,
    TERMINAL_ACK,
    Authentication,
    Batch,
    Header,
    Location,
    Malformed,
    Message,
    Registration,
)
from gateway.listener import Known, Sink
from model.position import Position

log = logging.getLogger(__name__)

READ_SIZE = 8192
MAX_SPEED = 500.0  # m/s, as for JSON ingest


def location_to_position(loc: Location, device: str, phone: str) -> Position:
    attrs: dict[str, object] = {"terminal": phone, "alarm": loc.alarm, "status": loc.status,
                                "protocol": "jt808", "altitude": loc.altitude}
    if loc.mileage_km is not None:
        attrs["mileage_km"] = loc.mileage_km
    speed = loc.speed_kmh / 3.6
    return Position(device=device, ts=loc.ts, lat=loc.lat, lon=loc.lon,
                    speed=speed if speed <= MAX_SPEED else None,  # a WORD can say 6553 km/h
                    heading=float(loc.course) if loc.course < 360 else None, attrs=attrs)


class _Session:
    __slots__ = ("authenticated", "deframer", "device", "phone", "registered", "serial")

    def __init__(self, max_frame: int) -> None:
        self.deframer = Deframer(max_frame)
        self.phone: str | None = None
        self.device: str | None = None
        self.registered = False
        self.authenticated = False
        self.serial = 0

    def next_serial(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial


class Jt808Server:
    def __init__(self, cfg: Jt808Config, sink: Sink, known: Known) -> None:
        self.cfg, self.sink, self.known = cfg, sink, known
        self.offset_s = utc_offset_seconds(cfg.tzinfo())
        self.port = cfg.port
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._warned: set[str] = set()
        # Counters, exported to Prometheus by the composition root.
        self.connections = 0  # accepted since start
        self.active = 0
        self.refused_connections = 0
        self.frames = 0
        self.bad_checksum = 0
        self.bad_frames = 0  # bad escapes, too short or oversize
        self.malformed = 0
        self.positions = 0
        self.unfixed = 0
        self.unknown_terminal = 0
        self.registrations = 0
        self.authentications = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.cfg.host, self.cfg.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("JT/T 808 listening on %s:%s", self.cfg.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        # Closing the transports ends each handler's read with EOF; cancelling the handler
        # tasks instead trips asyncio's stream callback on Python 3.11.
        for writer in list(self._writers):
            writer.transport.abort()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5.0)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def device_for(self, phone: str) -> str | None:
        """The device a terminal reports as, or None when it is not allowed to report."""
        terminals = self.cfg.terminals
        # A terminal moved to 2019 firmware pads its 12-digit number with 8 zeros (and a
        # config may list either form).
        device = terminals.get(phone) or terminals.get(
            phone[8:] if len(phone) == 20 and phone.startswith("00000000") else "00000000" + phone)
        if device is None:
            return phone if self.cfg.auto_register else None
        if not self.cfg.auto_register and not self.known(device):
            if device not in self._warned:
                self._warned.add(device)
                log.warning("JT/T 808 terminal %s maps to %r, which is no known device", phone,
                            device)
            return None
        return device

    def auth_code(self, phone: str) -> str:
        key = self.cfg.auth_secret.encode()
        return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()[:16]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.active >= self.cfg.max_connections:
            self.refused_connections += 1
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.connections += 1
        self.active += 1
        peer = writer.get_extra_info("peername")
        session = _Session(self.cfg.max_frame_bytes)
        try:
            await self._serve(session, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            log.debug("JT/T 808 connection %s ended: %s", peer, exc)
        except Exception:  # a bug must cost one connection, not the listener
            log.exception("JT/T 808 connection %s failed", peer)
        finally:
            self.active -= 1
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            log.debug("JT/T 808 terminal %s (%s) disconnected", session.phone, peer)

    async def _serve(self, session: _Session, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        deframer = session.deframer
        while True:
            try:
                async with asyncio.timeout(self.cfg.idle_timeout_s):
                    data = await reader.read(READ_SIZE)
            except TimeoutError:
                log.info("JT/T 808 terminal %s idle for %.0f s, closing", session.phone,
                         self.cfg.idle_timeout_s)
                return
            if not data:
                return
            before = (deframer.frames, deframer.bad_checksum,
                      deframer.bad_escape + deframer.too_short + deframer.oversize)
            frames = deframer.feed(data)
            self.frames += deframer.frames - before[0]
            self.bad_checksum += deframer.bad_checksum - before[1]
            self.bad_frames += deframer.bad_escape + deframer.too_short + deframer.oversize \
                - before[2]
            if not frames:
                continue
            messages = [decode(f, self.offset_s) for f in frames]
            positions: list[Position] = []
            for msg in messages:
                if isinstance(msg, Message) and isinstance(msg.body, Location | Batch):
                    positions.extend(self._positions(msg))
            taken = await self._deliver(positions)
            for msg in messages:
                reply = self._reply(session, msg, taken)
                if reply:
                    writer.write(reply)
            await writer.drain()

    def _positions(self, msg: Message) -> list[Position]:
        phone = msg.header.phone
        device = self.device_for(phone)
        if device is None:
            return []
        body = msg.body
        locations = body.locations if isinstance(body, Batch) else (body,)
        out: list[Position] = []
        for loc in locations:
            if not isinstance(loc, Location):
                continue
            if self.cfg.drop_unfixed and not loc.status & STATUS_FIXED:
                self.unfixed += 1
                continue
            out.append(location_to_position(loc, device, phone))
        return out

    async def _deliver(self, positions: list[Position]) -> bool:
        if not positions:
            return True
        try:
            await self.sink(positions)
        except Exception:
            log.exception("JT/T 808: the sink refused %d positions", len(positions))
            return False
        self.positions += len(positions)
        return True

    def _reply(self, session: _Session, msg: Message | Malformed, taken: bool) -> bytes | None:
        header = msg.header
        if header is None:
            self.malformed += 1
            log.info("JT/T 808 unreadable frame from %s: %s", session.phone,
                     msg.reason if isinstance(msg, Malformed) else "")
            return None
        session.phone = header.phone

        def ack(result: int) -> bytes:
            return enc.platform_ack(header.phone, session.next_serial(), header.serial,
                                    header.msg_id, result, header.version)

        if isinstance(msg, Malformed):
            self.malformed += 1
            log.info("JT/T 808 malformed 0x%04x from %s: %s", header.msg_id, header.phone,
                     msg.reason)
            return ack(ACK_MALFORMED)
        body = msg.body
        if header.msg_id == TERMINAL_ACK:
            return None
        if isinstance(body, Registration):
            return self._register(session, header)
        device = self.device_for(header.phone)
        if isinstance(body, Authentication):
            return ack(self._authenticate(session, header, body, device))
        if isinstance(body, Location | Batch):
            if device is None:
                self.unknown_terminal += 1
                return ack(ACK_FAILURE)
            if isinstance(body, Batch) and not body.locations and body.bad_items:
                return ack(ACK_MALFORMED)
            return ack(ACK_OK if taken else ACK_FAILURE)
        if isinstance(body, bytes) and header.props & (PROPS_CIPHER | PROPS_SUBPACKET):
            return ack(ACK_UNSUPPORTED)  # encrypted or subpacketed: not read, say so
        if header.msg_id == LOGOUT:
            session.authenticated = False
        return ack(ACK_OK)

    def _register(self, session: _Session, header: Header) -> bytes:
        device = self.device_for(header.phone)
        serial = session.next_serial()
        if device is None:
            self.unknown_terminal += 1
            log.warning("JT/T 808 registration from unknown terminal %s refused", header.phone)
            return enc.register_ack(header.phone, serial, header.serial, REG_NO_TERMINAL,
                                    version=header.version)
        self.registrations += 1
        session.registered, session.device = True, device
        log.info("JT/T 808 terminal %s registered as %s", header.phone, device)
        return enc.register_ack(header.phone, serial, header.serial, REG_OK,
                                self.auth_code(header.phone), header.version)

    def _authenticate(self, session: _Session, header: Header, body: Authentication,
                      device: str | None) -> int:
        if device is None:
            self.unknown_terminal += 1
            return ACK_FAILURE
        if self.cfg.auth_secret and not hmac.compare_digest(
                body.code.encode(), self.auth_code(header.phone).encode()):
            log.warning("JT/T 808 terminal %s presented a wrong auth code", header.phone)
            return ACK_FAILURE
        self.authentications += 1
        session.authenticated, session.device = True, device
        return ACK_OK
