"""The case loop's use cases over the store: reports from every source, actions with their
proof of presence, 漏报, spill and coverage-gap cases, live case events.

It reads the patrol side only through the web layer's typed Queries (tracks, road passes,
alerts) and hears camera alerts through the event bus (bus/events.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import and_, select

from cases.db.schema import cases
from cases.errors import Invalid, NotFound
from cases.photos import PhotoStore
from cases.place import Locator, metres
from cases.presence import PresenceRule, prove
from cases.records import ActionInput, Actor, NewCase, Place
from cases.store import CaseStore, colour
from config.cases import CasesSection
from model.events import AlertEvent, Event
from web.api import Queries, answer

log = logging.getLogger(__name__)

SPILL_CLASS = "E0303"  # 道路遗撒
GAP_CLASS = "E0601"  # 巡查盲区
GAP_ALERTS = frozenset({"coverage_behind", "road_unvisited", "road_missed"})
Publish = Callable[[Sequence[tuple[str, str | None, str]]], None]  # hub.publish_encoded


class CaseService:
    def __init__(self, store: CaseStore, photos: PhotoStore, locator: Locator,
                 queries: Queries | None, cfg: CasesSection, timezone: str,
                 camera_places: dict[str, tuple[float, float] | None],
                 publish: Publish | None = None) -> None:
        self.store, self.photos, self.locator = store, photos, locator
        self.queries, self.cfg = queries, cfg
        self.zone = ZoneInfo(timezone)
        self.camera_places = camera_places
        self.publish = publish
        self.rule = PresenceRule(cfg.presence_distance_m, cfg.presence_dwell_s,
                                 cfg.presence_window_s)
        self._tasks: set[asyncio.Task[None]] = set()
        self.spill_failures = 0

    # -- photos ------------------------------------------------------------------------------

    async def upload_photo(self, data: bytes, actor: Actor) -> dict[str, Any]:
        photo, public = await asyncio.to_thread(self.photos.check, data)
        await asyncio.to_thread(self.photos.save, photo, data, public)
        await self.store.add_photo(photo, actor, self.store.now())
        return {"sha256": photo.sha256, "mime": photo.mime, "bytes": photo.bytes,
                "width": photo.width, "height": photo.height, "taken_ts": photo.taken_ts,
                "exif_lon": photo.exif_lon, "exif_lat": photo.exif_lat,
                "url": f"/api/v1/cases/photos/{photo.sha256}"}

    # -- reports -----------------------------------------------------------------------------

    async def report(self, new: NewCase, actor: Actor) -> tuple[dict[str, Any], bool]:
        now = self.store.now()
        self.store.class_of(new.class_code)
        missed: list[tuple[str, float]] = []
        if new.source in ("hotline", "open311"):
            missed = await self.missed_by(new, now)
        case, created = await self.store.create(new, actor, now, missed)
        if created:
            self._live(case)
        return case, created

    def place(self, lon: float, lat: float) -> Place:
        return self.locator.place(lon, lat)

    def _dates(self, since: float, until: float) -> list[str]:
        a = datetime.fromtimestamp(since, self.zone).date()
        b = datetime.fromtimestamp(until, self.zone).date()
        out = []
        while a <= b:
            out.append(a.isoformat())
            a += timedelta(days=1)
        return out

    async def missed_by(self, new: NewCase, now: float) -> list[tuple[str, float]]:
        """漏报: inspectors whose pass of the case's road in the last missed_window_s left no
        report of theirs near it. Only roads are looked at (the tracker's passes): a case
        off every road counts against nobody."""
        if self.queries is None or new.place.road is None:
            return []
        since = now - self.cfg.missed_window_s
        passed: dict[str, float] = {}
        for day in self._dates(since, now):
            try:
                rows = await answer(self.queries.road_passes(new.place.road, day))
            except (KeyError, ValueError):
                continue
            for p in rows:
                if since <= p["ts"] <= now:
                    passed[p["device"]] = max(passed.get(p["device"], 0.0), p["ts"])
        if not passed:
            return []
        query = select(cases.c.reporter, cases.c.lon, cases.c.lat).where(
            and_(cases.c.reporter.in_(list(passed)), cases.c.source == "inspector",
                 cases.c.created_ts >= since - self.cfg.missed_window_s))
        rows2 = await self.store.db.read(lambda conn: conn.execute(query).all())
        excused = {r for r, lon, lat in rows2
                   if metres(lon, lat, new.place.lon, new.place.lat) <= self.cfg.missed_distance_m}
        return sorted((who, ts) for who, ts in passed.items() if who not in excused)

    # -- actions -----------------------------------------------------------------------------

    async def act(self, case_id: int, given: ActionInput, actor: Actor) -> dict[str, Any]:
        if given.action == "check" and actor.base == "inspector":
            lon, lat, facts = await self.store.check_facts(case_id, actor, given.photos)
            given = ActionInput(**{**_fields(given), "details": {
                **given.details, **await self.presence(lon, lat, actor, facts)}})
        case = await self.store.act(case_id, given, actor)
        self._live(case)
        return case

    async def presence(self, lon: float, lat: float, actor: Actor,
                       facts: list[dict[str, Any]]) -> dict[str, Any]:
        """The proof of presence of a check at (lon, lat) with these photo facts."""
        now = self.store.now()
        tracks: list[dict[str, Any]] = []
        device = actor.subject
        if self.queries is not None and device is not None:
            for day in self._dates(now - self.rule.window_s, now):
                try:
                    tracks.append(await answer(self.queries.track(device, day)))
                except (KeyError, ValueError):
                    continue
        return prove(tracks, lon, lat, now, facts, self.rule)

    # -- cases from alerts -------------------------------------------------------------------

    async def from_alert(self, alert_id: str, actor: Actor) -> tuple[dict[str, Any], bool]:
        """A coverage-gap alert (or a spill alert the bus has not turned into a case yet)
        becomes a case on the operator's click."""
        if self.queries is None:
            raise NotFound("no such alert")
        found = [a for a in await answer(self.queries.alerts(0.0)) if a.id == alert_id]
        if not found:
            raise NotFound("no such alert")
        alert = found[0]
        if alert.type == "spill":
            return await self.spill_case(alert.to_json(), actor)
        if alert.type not in GAP_ALERTS:
            raise Invalid(f"an alert of type {alert.type} does not open a case",
                          field="alert")
        road, grid = alert.subject.get("road"), alert.subject.get("grid")
        place = self._road_place(road, grid)
        inspectors = self._grid_inspectors(place.grid)
        new = NewCase(GAP_CLASS, place, "patrol", description=alert.message,
                      source_ref=f"alert:{alert.id}", assignee=inspectors[0] if inspectors
                      else None, evidence={"alert": alert.to_json()})
        return await self.report(new, actor)

    def _grid_inspectors(self, grid: str | None) -> list[str]:
        for g in self.locator.index.grids:
            if g.id == grid:
                return list(g.inspectors)
        return []

    def _road_place(self, road: str | None, grid: str | None) -> Place:
        index = self.locator.index
        if road is not None and road in index.road_ids:
            r = index.road_ids[road]
            lon, lat = index.road_point(r, float(index.road_length[r]) / 2.0)
            g = int(index.road_grid[r])
            return Place(lon, lat, road, index.grids[g].id if g >= 0 else grid)
        if grid is not None and grid in index.grid_ids:
            c = index.grids[index.grid_ids[grid]].geometry.representative_point()
            return Place(float(c.x), float(c.y), None, grid)
        raise Invalid("the alert names no road or grid of this city", field="alert")

    async def spill_case(self, alert: dict[str, Any], actor: Actor
                         ) -> tuple[dict[str, Any], bool]:
        camera = alert["subject"].get("camera")
        at = self.camera_places.get(camera) if camera else None
        if at is None:
            raise Invalid(f"camera {camera!r} has no location in the city", field="alert")
        details = alert.get("details") or {}
        evidence = {"alert": alert["id"], "camera": camera, "evidence": details.get("evidence"),
                    "box": details.get("box"), "vehicle_track": details.get("vehicle_track"),
                    "vehicle_box": details.get("vehicle_box"), "ts": alert.get("ts")}
        place = self.locator.place(*at)
        new = NewCase(SPILL_CLASS, place, "spill", description=alert.get("message", ""),
                      source_ref=f"alert:{alert['id']}", evidence=evidence)
        return await self.report(new, actor)

    def on_events(self, events: Sequence[Event]) -> None:
        """Bus listener: every spill alert opens a reported case carrying its evidence (one
        case per alert, whichever web process hears it first)."""
        if not self.cfg.spill_cases:
            return
        for event in events:
            if isinstance(event, AlertEvent) and event.alert.type == "spill":
                task = asyncio.get_running_loop().create_task(
                    self._spill(event.alert.to_json()))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _spill(self, alert: dict[str, Any]) -> None:
        try:
            await self.spill_case(alert, Actor("operator"))
        except Exception:
            self.spill_failures += 1
            log.exception("spill alert %s: no case opened", alert.get("id"))

    async def drain(self) -> None:
        """Wait for the cases being opened from alerts (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- live --------------------------------------------------------------------------------

    async def sweep(self, since: float, now: float) -> int:
        """Tell live clients of every case that turned yellow or red in (since, now]."""
        c = cases.c
        crossed = ((c.warn_ts > since) & (c.warn_ts <= now)) | \
            ((c.due_ts > since) & (c.due_ts <= now))
        query = select(cases).where(crossed).limit(10_000)
        rows = await self.store.db.read(lambda conn: conn.execute(query).mappings().all())
        for row in rows:
            self._live(self.store.case_json(dict(row), Actor("supervisor"), now), now)
        return len(rows)

    async def sweep_forever(self, every_s: float = 30.0) -> None:
        last = self.store.now()
        while True:
            await asyncio.sleep(every_s)
            now = self.store.now()
            try:
                await self.sweep(last, now)
            except Exception:  # the database away for a moment: try again next round
                log.exception("case overdue sweep failed")
                continue
            last = now

    def _live(self, case: dict[str, Any], now: float | None = None) -> None:
        if self.publish is None:
            return
        now = self.store.now() if now is None else now
        event = {"type": "case", "id": case["id"], "version": case["version"],
                 "state": case["state"], "class": case["class"], "grid": case["grid"],
                 "department": case["department"], "lon": case["lon"], "lat": case["lat"],
                 "colour": colour({"due_ts": case["clock"]["due_ts"],
                                   "warn_ts": case["clock"]["warn_ts"]}, now),
                 "due_ts": case["clock"]["due_ts"], "updated_ts": case["updated_ts"]}
        self.publish([("case", case["grid"], orjson.dumps(event).decode())])


def _fields(given: ActionInput) -> dict[str, Any]:
    return {f: getattr(given, f) for f in given.__slots__}
