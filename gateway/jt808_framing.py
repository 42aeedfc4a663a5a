"""JT/T 808 stream framing: 0x7e-delimited frames, 0x7d escapes, XOR check code.

On the wire a frame is ``7e <escaped: header, body, check code> 7e``; inside it 0x7e is sent as
``7d 02`` and 0x7d as ``7d 01``. The check code is the XOR of every unescaped header and body
byte. TCP hands us arbitrary slices of that stream, so the Deframer keeps the unfinished tail and
returns only whole, verified frames (header + body, without the check code). Nothing that
arrives here can raise: garbage, bad escapes and bad check codes are counted and skipped so
that one corrupt frame never costs a terminal its connection.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

FLAG = 0x7E
ESC = 0x7D
_FLAG_B = b"\x7e"
_ESC_B = b"\x7d"
_ESC_FLAG = b"\x7d\x02"
_ESC_ESC = b"\x7d\x01"
MIN_FRAME = 13  # 2013 header (12 bytes) + check code: anything shorter cannot be a message


_masks: dict[int, int] = {}


def xor_check(data: bytes) -> int:
    """XOR of all bytes: fold the bytes, read as one integer, in halves down to 8 bytes, then
    within the word (a few big-int operations instead of a Python loop over every byte)."""
    width = len(data)
    x = int.from_bytes(data, "little")
    while width > 8:
        half = (width + 1) >> 1
        mask = _masks.get(half)
        if mask is None:
            mask = _masks[half] = (1 << (half << 3)) - 1
        x = (x & mask) ^ (x >> (half << 3))
        width = half
    x ^= x >> 32
    x ^= x >> 16
    x ^= x >> 8
    return x & 0xFF


def escape(data: bytes) -> bytes:
    return data.replace(_ESC_B, _ESC_ESC).replace(_FLAG_B, _ESC_FLAG)


def unescape(data: bytes) -> bytes | None:
    """The original bytes, or None when a 0x7d is not followed by 01 or 02."""
    if ESC not in data:
        return data
    if data.count(_ESC_B) != data.count(_ESC_ESC) + data.count(_ESC_FLAG):
        return None
    # 7d02 first: every 7d on the wire starts an escape, so a 7d02 pair is always a real one,
    # while replacing 7d01 first would turn the data bytes 7d 02 into a false 7e.
    return data.replace(_ESC_FLAG, _FLAG_B).replace(_ESC_ESC, _ESC_B)


def frame(payload: bytes) -> bytes:
    """header + body -> the escaped, delimited frame with its check code."""
    return b"\x7e" + escape(payload + bytes((xor_check(payload),))) + b"\x7e"


class Deframer:
    """Incremental de-framer: feed() it whatever recv() returned, get the whole frames back."""

    __slots__ = ("_buf", "bad_checksum", "bad_escape", "frames", "garbage_bytes", "max_frame",
                 "oversize", "too_short")

    def __init__(self, max_frame: int = 4096) -> None:
        self.max_frame = max_frame
        self._buf = b""
        self.frames = 0  # verified frames returned
        self.bad_checksum = 0
        self.bad_escape = 0
        self.too_short = 0
        self.oversize = 0  # runs longer than max_frame without a closing delimiter
        self.garbage_bytes = 0  # bytes outside any frame

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        if not buf or (buf == _FLAG_B and data[:1] == _FLAG_B):
            buf = bytes(data)
        else:
            buf += data
        out: list[bytes] = []
        pos = 0
        end_buf = len(buf)
        while pos < end_buf:
            start = buf.find(_FLAG_B, pos)
            if start < 0:
                self.garbage_bytes += end_buf - pos
                pos = end_buf
                break
            if start > pos:
                self.garbage_bytes += start - pos
            end = buf.find(_FLAG_B, start + 1)
            if end < 0:
                if end_buf - start > self.max_frame:
                    self.oversize += 1
                    pos = end_buf
                else:
                    pos = start
                break
            if end > start + 1:
                self._take(buf[start + 1:end], out)
            # The closing flag is kept as a possible opening flag: terminals that share one
            # flag between frames exist, and after joining mid-frame the "closing" flag we
            # saw was really the next frame's opening one. 7e7e then reads as an empty gap.
            pos = end
        self._buf = buf[pos:] if pos < end_buf else b""
        return out

    def _take(self, escaped: bytes, out: list[bytes]) -> None:
        if len(escaped) > self.max_frame:
            self.oversize += 1
            return
        raw = unescape(escaped)
        if raw is None:
            self.bad_escape += 1
            return
        if len(raw) < MIN_FRAME:
            self.too_short += 1
            return
        payload = raw[:-1]
        if xor_check(payload) != raw[-1]:
            self.bad_checksum += 1
            log.debug("JT/T 808 frame with a bad check code dropped (%d bytes)", len(raw))
            return
        self.frames += 1
        out.append(payload)
