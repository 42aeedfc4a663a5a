"""The daily report (GET /api/v1/reports/daily): per inspector, per grid and per road figures,
built the same way from the one-process tracker's state and from the shared state in Redis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracking.inspectors import grid_rows, inspector_row

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from geofence.index import CityIndex
    from model.alert import Alert
    from tracking.inspectors import DayStats
    from tracking.patrolday import Day
    from tracking.rules.base import DeviceInfo


def daily_report(day: Day, roads: list[dict[str, Any]], index: CityIndex,
                 devices: Iterable[DeviceInfo], figures: Mapping[str, DayStats],
                 alerts: Iterable[Alert]) -> dict[str, Any]:
    """roads: the day's compliance rows; devices: every known device (inspectors get a row);
    figures: inspectors' DayStats of that day; alerts: alerts raised, any day."""
    counts: dict[str, int] = {}
    for a in alerts:
        dev = a.subject.get("device")
        if dev is not None and day.start <= a.ts < day.end:
            counts[dev] = counts.get(dev, 0) + 1
    grid_ids = [g.id for g in index.grids]
    inspectors = [inspector_row(info.id, [grid_ids[g] for g in info.grids], figures.get(info.id),
                                index.roads, counts.get(info.id, 0))
                  for info in devices if info.kind == "inspector"]
    grids = grid_rows(((g.id, g.name) for g in index.grids), roads)
    return {"date": day.date, "inspectors": inspectors, "grids": grids, "roads": roads}
