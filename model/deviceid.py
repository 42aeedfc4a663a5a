"""One rule for device ids, at ingest (every protocol) and in the API (docs/contract.md §4).

An id is Unicode NFC with surrounding white space removed, 1-64 characters, and holds no
control, format (bidi overrides such as U+202E, zero-width characters), private-use,
unassigned or line/paragraph-separator characters, no white space but the plain space, and
no `/`. So two ids that look the same are the same id, and every id that was accepted can be
named in a URL (`/api/v1/tracks/{device}`).
"""

from __future__ import annotations

import unicodedata

MAX_DEVICE_ID = 64
_REFUSED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class BadDeviceId(ValueError):
    """The id breaks the rule; the message says how (shown to the device or API client)."""


def normalise_device_id(raw: str) -> str:
    """The id in its one accepted form, or BadDeviceId with the reason."""
    if (raw.isascii() and raw.isprintable() and 0 < len(raw) <= MAX_DEVICE_ID
            and "/" not in raw and raw[0] != " " and raw[-1] != " "):
        return raw  # the usual case: printable ASCII is already NFC
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        raise BadDeviceId("device id must be a non-empty string")
    if len(text) > MAX_DEVICE_ID:
        raise BadDeviceId(f"device id longer than {MAX_DEVICE_ID} characters")
    for ch in text:
        if ch == "/":
            raise BadDeviceId("device id must not contain '/'")
        category = unicodedata.category(ch)
        if category in _REFUSED or (category == "Zs" and ch != " "):
            name = unicodedata.name(ch, "unnamed")
            raise BadDeviceId(f"device id must not contain U+{ord(ch):04X} ({name})")
    return text
