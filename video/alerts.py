"""Camera events into alerts (docs/contract.md §3): motion, spill, camera_offline, each raised
once per condition and cleared when it ends."""

from __future__ import annotations

from typing import Any

from model.alert import Alert, alert_id
from model.clock import Clock
from model.events import AlertEvent, ClearedEvent
from video.config import VideoConfig


class CameraAlerts:
    def __init__(self, config: VideoConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.open: dict[tuple[str, str, str], Alert] = {}  # (type, camera, key) -> alert

    def on_event(self, camera: str, kind: str, ts: float,
                 details: dict[str, Any]) -> list[AlertEvent | ClearedEvent]:
        state = details.get("state")
        if kind == "motion" and self.config.motion_alerts:
            if state == "start":
                return self._raise("motion", camera, "", ts, "warning",
                                   f"摄像头 {camera} 检测到持续运动 / sustained motion",
                                   {k: details[k] for k in ("boxes", "since", "evidence")
                                    if k in details})
            return self._clear("motion", camera, "", ts)
        if kind == "spill":
            key = str(details.get("vehicle"))
            if state == "cleared":
                return self._clear("spill", camera, key, ts)
            vehicle = details.get("vehicle") or {}
            key = str(vehicle.get("track"))
            return self._raise("spill", camera, key, ts, "critical",
                               f"摄像头 {camera} 发现车辆抛撒滴漏 / material spilled by a vehicle",
                               {"evidence": details.get("evidence"), "box": details.get("box"),
                                "vehicle_track": vehicle.get("track"),
                                "vehicle_box": vehicle.get("box")})
        return []

    def on_status(self, camera: str, state: str, reason: str) -> list[AlertEvent | ClearedEvent]:
        now = self.clock.now()
        if state == "offline":
            return self._raise("camera_offline", camera, "", now, "warning",
                               f"摄像头 {camera} 离线 / camera offline: {reason}",
                               {"reason": reason})
        return self._clear("camera_offline", camera, "", now)

    def _raise(self, type_: str, camera: str, key: str, ts: float, severity: str, message: str,
               details: dict[str, Any]) -> list[AlertEvent | ClearedEvent]:
        if (type_, camera, key) in self.open:
            return []
        subject = {"camera": camera}
        alert = Alert(alert_id(type_, subject, ts), type_, ts,
                      "critical" if severity == "critical" else "warning", subject, message,
                      details)
        self.open[(type_, camera, key)] = alert
        return [AlertEvent(alert)]

    def _clear(self, type_: str, camera: str, key: str,
               ts: float) -> list[AlertEvent | ClearedEvent]:
        alert = self.open.pop((type_, camera, key), None)
        if alert is None:
            return []
        alert.cleared_ts = ts
        return [ClearedEvent(alert)]
