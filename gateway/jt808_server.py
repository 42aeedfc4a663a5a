"""JT/T 808 TCP listener: one Deframer and session per terminal connection.

Choices (see also the README section):
- Without `auth_secret`, a location report from a terminal that is known (mapped in
  [jt808.terminals], or any terminal with auto_register) is accepted even when this connection
  never authenticated: many real terminals reconnect and report straight away, and the phone
  number is no secret either way. With `auth_secret` set, reports on a connection that has not
  authenticated with the issued code are refused with 0x8001 result 1 (failure): the terminal
  authenticates again and resends.
- Acknowledgements are written after the sink took the positions, so a terminal whose reports
  were not taken (sink raised) hears "failure" and sends them again.
- A report whose time breaks the time-sanity rule (model/timewindow.py) is answered result 2
  (message wrong), never "ok": it will not be kept, and resending it cannot help. In a batch
  (0x0704) the other fixes are kept and the answer is still 2.
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
from gateway.base import Convert, PositionGateway
from gateway.connections import BACKLOG, ConnectionGate, bind, peer_address
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
from metrics.registry import Metrics
from model.position import Position
from model.timewindow import TimeWindow

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


class Jt808Server(PositionGateway):
    """Counters (self.counts, and /metrics under transport "jt808"): connections, frames,
    bad_checksum, bad_frames, malformed, positions, positions_refused, unfixed,
    unknown_terminal, unauthenticated, registrations, authentications, refused_connections."""

    def __init__(self, cfg: Jt808Config, sink: Sink, known: Known, *,
                 metrics: Metrics | None = None, convert: Convert | None = None,
                 window: TimeWindow | None = None, gate: ConnectionGate | None = None) -> None:
        super().__init__("jt808", sink, known, metrics, convert, window)
        self.cfg = cfg
        self.gate = gate if gate is not None else ConnectionGate(0, 0, cfg.idle_timeout_s)
        self.offset_s = utc_offset_seconds(cfg.tzinfo())
        self.port = cfg.port
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._warned: set[str] = set()
        self.active = 0

    async def start(self) -> None:
        sock = bind(self.cfg.host, self.cfg.port,
                    "the JT/T 808 listener ([jt808] port, or enabled = false)")
        self._server = await asyncio.start_server(self._accept, sock=sock, backlog=BACKLOG)
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
            if not self.cfg.auto_register:
                return None
            device = phone
        if not self.known(device):
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
        address = peer_address(writer.transport)
        if self.active >= self.cfg.max_connections or not self.gate.admit(
                writer, address, writer.transport.abort):
            self.count("refused_connections")
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.count("connections")
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
            self.gate.release(writer, address)
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            log.debug("JT/T 808 terminal %s (%s) disconnected", session.phone, peer)

    async def _serve(self, session: _Session, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        deframer = session.deframer
        # Until its first frame, a connection is "waiting" (evicted first at the process's
        # connection cap) and must send that frame within header_timeout_s.
        timeout, spoke = self.gate.header_timeout_s, False
        while True:
            try:
                async with asyncio.timeout(timeout):
                    data = await reader.read(READ_SIZE)
            except TimeoutError:  # debug: a flood of silent connections must not flood the log
                log.debug("JT/T 808 terminal %s silent for %.0f s, closing", session.phone,
                          timeout)
                self.count("silent_closed")
                return
            if not data:
                return
            before = (deframer.frames, deframer.bad_checksum,
                      deframer.bad_escape + deframer.too_short + deframer.oversize)
            frames = deframer.feed(data)
            self.count("frames", deframer.frames - before[0])
            self.count("bad_checksum", deframer.bad_checksum - before[1])
            self.count("bad_frames", deframer.bad_escape + deframer.too_short + deframer.oversize
                       - before[2])
            if not frames:
                continue
            if not spoke:
                self.gate.spoke(writer)
                timeout, spoke = self.cfg.idle_timeout_s, True
            messages = [decode(f, self.offset_s) for f in frames]
            positions: list[Position] = []
            refused: dict[int, int] = {}  # message index -> fixes refused for their time or id
            auth: dict[int, int] = {}  # message index -> authentication result, in order
            for i, msg in enumerate(messages):
                if not isinstance(msg, Message):
                    continue
                if isinstance(msg.body, Authentication):
                    auth[i] = self._authenticate(session, msg.header, msg.body,
                                                 self.device_for(msg.header.phone))
                elif isinstance(msg.body, Location | Batch) and self._may_report(session):
                    good, refused[i] = self._positions(msg)
                    positions.extend(good)
            taken = await self._deliver(positions)
            for i, msg in enumerate(messages):
                reply = self._reply(session, msg, taken, auth.get(i), refused.get(i))
                if reply:
                    writer.write(reply)
            await writer.drain()

    def _may_report(self, session: _Session) -> bool:
        return session.authenticated or not self.cfg.auth_secret

    def _positions(self, msg: Message) -> tuple[list[Position], int]:
        """Fixes of a report to keep, and how many were refused by the time or id rule."""
        phone = msg.header.phone
        device = self.device_for(phone)
        if device is None:
            return [], 0
        body = msg.body
        locations = body.locations if isinstance(body, Batch) else (body,)
        out: list[Position] = []
        for loc in locations:
            if not isinstance(loc, Location):
                continue
            if self.cfg.drop_unfixed and not loc.status & STATUS_FIXED:
                self.count("unfixed")
                continue
            out.append(location_to_position(loc, device, phone))
        good, refused = self.screen(out)
        for _, reason in refused[:1]:
            log.debug("JT/T 808 terminal %s: %d fixes refused: %s", phone, len(refused), reason)
        return good, len(refused)

    async def _deliver(self, positions: list[Position]) -> bool:
        try:
            await self.take(positions)
        except Exception:
            log.exception("JT/T 808: the sink refused %d positions", len(positions))
            return False
        return True

    def _reply(self, session: _Session, msg: Message | Malformed, taken: bool,
               auth: int | None, refused: int | None) -> bytes | None:
        header = msg.header
        if header is None:
            self.count("malformed")
            log.info("JT/T 808 unreadable frame from %s: %s", session.phone,
                     msg.reason if isinstance(msg, Malformed) else "")
            return None
        session.phone = header.phone

        def ack(result: int) -> bytes:
            return enc.platform_ack(header.phone, session.next_serial(), header.serial,
                                    header.msg_id, result, header.version)

        if isinstance(msg, Malformed):
            self.count("malformed")
            log.info("JT/T 808 malformed 0x%04x from %s: %s", header.msg_id, header.phone,
                     msg.reason)
            return ack(ACK_MALFORMED)
        body = msg.body
        if header.msg_id == TERMINAL_ACK:
            return None
        if isinstance(body, Registration):
            return self._register(session, header)
        if auth is not None:
            return ack(auth)
        if isinstance(body, Location | Batch):
            if self.device_for(header.phone) is None:
                self.count("unknown_terminal")
                return ack(ACK_FAILURE)
            if refused is None:  # not read: this connection has not authenticated
                self.count("unauthenticated")
                log.debug("JT/T 808 terminal %s reported before authenticating: refused",
                          header.phone)
                return ack(ACK_FAILURE)
            if refused or (isinstance(body, Batch) and not body.locations and body.bad_items):
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
            self.count("unknown_terminal")
            log.warning("JT/T 808 registration from unknown terminal %s refused", header.phone)
            return enc.register_ack(header.phone, serial, header.serial, REG_NO_TERMINAL,
                                    version=header.version)
        self.count("registrations")
        session.registered, session.device = True, device
        log.info("JT/T 808 terminal %s registered as %s", header.phone, device)
        return enc.register_ack(header.phone, serial, header.serial, REG_OK,
                                self.auth_code(header.phone), header.version)

    def _authenticate(self, session: _Session, header: Header, body: Authentication,
                      device: str | None) -> int:
        if device is None:
            self.count("unknown_terminal")
            return ACK_FAILURE
        if self.cfg.auth_secret and not hmac.compare_digest(
                body.code.encode(), self.auth_code(header.phone).encode()):
            log.warning("JT/T 808 terminal %s presented a wrong auth code", header.phone)
            return ACK_FAILURE
        self.count("authentications")
        session.authenticated, session.device = True, device
        return ACK_OK
