"""One device-id rule (model/deviceid.py), checked against unicodedata itself: what it accepts
is NFC, trimmed, 1-64 characters, free of control, format (bidi, zero-width), private-use,
unassigned and separator characters and of '/'; normalising twice changes nothing; ids that
differ only in composition or surrounding spaces are one id."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.deviceid import MAX_DEVICE_ID, BadDeviceId, normalise_device_id

BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def acceptable(text: str) -> bool:
    return (0 < len(text) <= MAX_DEVICE_ID and text == text.strip() and "/" not in text
            and unicodedata.is_normalized("NFC", text)
            and all(unicodedata.category(c) not in BAD_CATEGORIES
                    and (unicodedata.category(c) != "Zs" or c == " ") for c in text))


@given(st.text(max_size=80))
def test_accepted_ids_follow_the_rule_and_are_fixed_points(raw: str) -> None:
    try:
        device = normalise_device_id(raw)
    except BadDeviceId:
        expected = unicodedata.normalize("NFC", raw).strip()
        assert not acceptable(expected)
        return
    assert acceptable(device)
    assert normalise_device_id(device) == device
    assert device == unicodedata.normalize("NFC", raw).strip()


@given(st.text(st.characters(codec="ascii", categories=["L", "N", "P", "S"]), min_size=1,
               max_size=60))
def test_look_alikes_are_one_id(base: str) -> None:
    if "/" in base:
        return
    decomposed = unicodedata.normalize("NFD", base + "\u00e9")
    assert normalise_device_id(f"  {decomposed} ") == normalise_device_id(base + "\u00e9")


@pytest.mark.parametrize(("raw", "why"), [
    ("p\u202e1", "U+202E"), ("p\u200d1", "U+200D"), ("p\ufeff1", "U+FEFF"), ("a/b", "'/'"),
    ("p\x001", "U+0000"), ("p\u00a01", "U+00A0"), ("p\u20281", "U+2028"), ("   ", "non-empty"),
    ("x" * 65, "longer"),
])
def test_refusals_say_why(raw: str, why: str) -> None:
    with pytest.raises(BadDeviceId, match=why.replace("+", r"\+")):
        normalise_device_id(raw)
