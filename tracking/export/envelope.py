"""The envelope every exported state travels in: what it is, its version, then the body.

On the wire `[kind, version, body]` in msgpack (msgspec). A reader names the kind and version
it reads and gets a typed Struct back, or StateError saying what it found instead: another
kind, an unknown version (a newer or older build), or bytes that are no state at all. Nothing
is ever unpickled: a blob from a build that pickled its state (they start with 0x80) is
refused by name, so a shared Redis can never be a path to running code.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


class StateError(ValueError):
    """Exported state that this build will not read (kind, version or format)."""


class _Sealed(msgspec.Struct, array_like=True):
    kind: str
    version: int
    body: Any


class _Opened(msgspec.Struct, array_like=True):
    kind: str
    version: int
    body: msgspec.Raw


_encoder = msgspec.msgpack.Encoder()
_opener = msgspec.msgpack.Decoder(_Opened)
_decoders: dict[type[Any], msgspec.msgpack.Decoder[Any]] = {}


def seal(kind: str, version: int, body: msgspec.Struct) -> bytes:
    return _encoder.encode(_Sealed(kind, version, body))


def open_sealed(blob: bytes, kind: str, version: int, body_type: type[T]) -> T:
    """The body of a sealed blob of this kind and version, decoded as body_type."""
    if blob[:1] == b"\x80":
        raise StateError(f"{kind} state is a Python pickle (written by a build before typed "
                         "state?): refused, never unpickled; see README, Scaling out: Trust")
    try:
        opened = _opener.decode(blob)
    except msgspec.DecodeError as exc:
        raise StateError(f"{kind} state unreadable: not a gridwatch state envelope ({exc})"
                         ) from None
    if opened.kind != kind:
        raise StateError(f"expected {kind} state, found {opened.kind!r}")
    if opened.version != version:
        raise StateError(f"{kind} state version {opened.version} is not readable by this build "
                         f"(it reads version {version}); a newer build wrote it, or an older "
                         "one: run the build that wrote it, or start from fresh state")
    decoder = _decoders.get(body_type)
    if decoder is None:
        decoder = _decoders[body_type] = msgspec.msgpack.Decoder(body_type)
    try:
        body: T = decoder.decode(opened.body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise StateError(f"{kind} state version {version} does not validate: {exc}") from None
    return body
