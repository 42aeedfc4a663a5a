"""docs/config.md is the reference generated from the models, and it is up to date."""

from __future__ import annotations

from pathlib import Path

from config.reference import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def test_the_config_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == reference(), \
        "docs/config.md is stale: run python -m config.reference > docs/config.md"


def test_every_section_is_documented() -> None:
    text = reference()
    for section in ("[server]", "[auth]", "[patrol]", "[alerts]", "[osmand]", "[jt808]",
                    "[video]", "[video.spill]"):
        assert f"## {section}" in text
