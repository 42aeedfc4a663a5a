"""Bilingual wording shared by the device rules: supervisors read Chinese, tools read English."""

from __future__ import annotations

from tracking.rules.base import DeviceInfo

_NOUN_ZH = {"inspector": "巡查员", "vehicle": "车辆"}
_NOUN_EN = {"inspector": "inspector", "vehicle": "vehicle"}


def who(device: DeviceInfo) -> tuple[str, str]:
    """How a message names the device, e.g. ("巡查员 p-03", "inspector p-03")."""
    zh = _NOUN_ZH.get(device.kind, "设备")
    en = _NOUN_EN.get(device.kind, "device")
    return f"{zh} {device.id}", f"{en} {device.id}"


def duration(seconds: float) -> tuple[str, str]:
    """A span as people say it: ("5 分钟", "5 min"), ("1.5 分钟", "1.5 min"), ("45 秒", "45 s")."""
    if seconds >= 60.0:
        minutes = f"{round(seconds / 60.0, 1):g}"
        return f"{minutes} 分钟", f"{minutes} min"
    secs = f"{round(seconds, 1):g}"
    return f"{secs} 秒", f"{secs} s"


def message(zh: str, en: str) -> str:
    return f"{zh} / {en}"
