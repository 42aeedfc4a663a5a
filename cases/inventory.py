"""The 部件 inventory: components from GeoJSON Points with 16-digit codes (district 6 digits,
大类 2, 小类 2, serial 6), owner and maintainer departments and state. A file is loaded whole
or not at all (422 with the reasons), upserted by code; the map reads it back as GeoJSON."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import and_, delete, insert, select
from sqlalchemy.engine import Connection

from cases.catalog import Catalog
from cases.db.engine import Database
from cases.db.schema import components
from cases.errors import CaseError, Invalid
from cases.place import Locator

CODE_RE = re.compile(r"^\d{16}$")
STATES = ("normal", "damaged", "missing", "removed")
MAX_FEATURES = 500_000
MAX_ANSWER = 50_000


class Inventory:
    def __init__(self, db: Database, catalog: Catalog, locator: Locator) -> None:
        self.db, self.catalog, self.locator = db, catalog, locator

    def _row(self, n: int, feature: Any) -> dict[str, Any]:
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ValueError("not a GeoJSON Feature")
        geom = feature.get("geometry") or {}
        props = feature.get("properties") or {}
        if geom.get("type") != "Point":
            raise ValueError("geometry is not a Point")
        lon, lat = (float(v) for v in geom["coordinates"][:2])
        code = str(props.get("code", ""))
        if not CODE_RE.match(code):
            raise ValueError("code is not 16 digits")
        class_code = "C" + code[6:10]
        if class_code not in self.catalog.classes:
            raise ValueError(f"code {code}: no 部件 class {class_code}")
        owner = str(props.get("owner", ""))
        maintainer = str(props.get("maintainer", owner))
        for dep in (owner, maintainer):
            if dep not in self.catalog.departments:
                raise ValueError(f"no such department {dep!r}")
        state = str(props.get("state", "normal"))
        if state not in STATES:
            raise ValueError(f"state is one of {', '.join(STATES)}")
        try:
            place = self.locator.place(lon, lat)
        except CaseError as exc:
            raise ValueError(exc.message) from None
        return {"code": code, "class_code": class_code,
                "name": str(props.get("name") or self.catalog.classes[class_code].name)[:200],
                "owner": owner, "maintainer": maintainer, "state": state, "lon": lon,
                "lat": lat, "grid": place.grid, "road": place.road}

    async def load(self, doc: Any) -> dict[str, Any]:
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" \
                or not isinstance(doc.get("features"), list):
            raise Invalid("the inventory is a GeoJSON FeatureCollection", field="body")
        features = doc["features"]
        if len(features) > MAX_FEATURES:
            raise Invalid(f"more than {MAX_FEATURES} components in one file", field="body")
        rows, refused = [], []
        for n, feature in enumerate(features):
            try:
                rows.append(self._row(n, feature))
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                refused.append({"feature": n, "reason": str(exc) or type(exc).__name__})
        codes = [r["code"] for r in rows]
        if len(set(codes)) != len(codes):
            refused.append({"feature": None, "reason": "a code appears twice"})
        if refused:
            raise Invalid(f"{len(refused)} component(s) refused; nothing loaded",
                          refused=refused[:50])
        def write(conn: Connection) -> None:
            for i in range(0, len(rows), 500):
                chunk = rows[i:i + 500]
                conn.execute(delete(components).where(
                    components.c.code.in_([r["code"] for r in chunk])))
                conn.execute(insert(components), chunk)
        await self.db.write(write)
        return {"loaded": len(rows)}

    async def load_file(self, path: str | Path) -> dict[str, Any]:
        return await self.load(orjson.loads(await asyncio.to_thread(Path(path).read_bytes)))

    async def geojson(self, bbox: str | None) -> dict[str, Any]:
        query = select(components).order_by(components.c.code).limit(MAX_ANSWER)
        if bbox:
            try:
                x0, y0, x1, y1 = (float(v) for v in bbox.split(","))
            except ValueError:
                raise Invalid("bbox is minlon,minlat,maxlon,maxlat", field="bbox") from None
            c = components.c
            query = query.where(and_(c.lon >= x0, c.lon <= x1, c.lat >= y0, c.lat <= y1))
        rows = await self.db.read(lambda conn: conn.execute(query).mappings().all())
        return {"type": "FeatureCollection", "features": [{
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {k: r[k] for k in ("code", "class_code", "name", "owner",
                                             "maintainer", "state", "grid", "road")}}
            for r in rows]}
