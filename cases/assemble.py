"""The case loop as one part of the server: built from the config and the city, started (the
schema migrated, the inventory loaded) before the HTTP port opens, closed after it."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bus.events import EventFanout
from bus.health import Health
from cases.apart import CasesApart
from cases.catalog import load_catalog
from cases.db.engine import Database, database_url
from cases.evaluation import Evaluation
from cases.inventory import Inventory
from cases.open311 import Open311Api
from cases.photos import PhotoStore
from cases.place import Locator
from cases.service import CaseService, Publish
from cases.store import CaseStore
from cases.web import CasesApi
from cases.workcalendar import WorkCalendar
from config.server import Config
from geofence.index import CityIndex
from model.clock import Clock
from web.api import Queries
from web.auth import TokenAuth


@dataclass
class CasesPart:
    db: Database
    service: CaseService
    api: CasesApi
    open311: Open311Api
    inventory_file: str | None

    sweeper: asyncio.Task[None] | None = None

    def routes(self) -> list[web.AbstractRouteDef]:
        return self.api.routes() + self.open311.routes()

    def status(self) -> dict[str, Any]:
        """For /healthz."""
        return {"process": "in", "state": "up"}

    async def start(self) -> None:
        await self.db.migrate()
        if self.inventory_file is not None:
            await self.api.inventory.load_file(self.inventory_file)
        self.sweeper = asyncio.get_running_loop().create_task(self.service.sweep_forever())

    async def stop(self) -> None:
        if self.sweeper is not None:
            self.sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.sweeper
        await self.service.drain()
        await self.db.close()


def build_case_part(cfg: Config, index: CityIndex, auth: TokenAuth, queries: Queries | None,
                    fanout: EventFanout | None, publish: Publish | None, clock: Clock,
                    health: Health, tokens: dict[str, str], city_dir: Path | None,
                    database: str | None = None) -> CasesPart | CasesApart:
    """The case loop as [cases] process says: in this process, or in a child of its own
    (city_dir: the city folder the child loads; without one it runs here)."""
    if cfg.cases.process == "child" and city_dir is not None:
        return CasesApart(cfg, city_dir, tokens, database, queries, fanout, publish, clock,
                          health)
    return build_cases(cfg, index, auth, queries, fanout, publish, clock, database)


def build_cases(cfg: Config, index: CityIndex, auth: TokenAuth, queries: Queries | None,
                fanout: EventFanout | None, publish: Publish | None, clock: Clock,
                database: str | None = None) -> CasesPart:
    """database: --database, over [cases] database; clock: the server's (wall or data)."""
    section = cfg.cases
    data_dir = Path(cfg.server.data_dir)
    db = Database(database_url(database or section.database, data_dir),
                  section.sqlite_synchronous, section.postgres_synchronous_commit)
    catalog = load_catalog(section.catalog)
    timezone = index.city.settings.timezone
    calendar = WorkCalendar(timezone, section.office_hours, section.holidays)
    store = CaseStore(db, catalog, calendar, section.warn_fraction, clock.now)
    photos = PhotoStore(data_dir / "cases" / "photos", section.photo_max_bytes,
                        section.photo_max_pixels, timezone)
    locator = Locator(index)
    cameras = {c.id: c.location for c in index.city.cameras}
    service = CaseService(store, photos, locator, queries, section, timezone, cameras, publish)
    if fanout is not None:
        fanout.subscribe(service.on_events)
    evaluation = Evaluation(db, catalog, section, timezone, clock.now)
    inventory = Inventory(db, catalog, locator)
    api = CasesApi(auth, service, evaluation, inventory, section.max_cases_page)
    return CasesPart(db, service, api, Open311Api(auth, service), section.inventory)
