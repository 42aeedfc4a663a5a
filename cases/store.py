"""The case store: every write is one transaction (the case row, its flow-log line and its
photos, or nothing), guarded by the flow table (cases/flow.py) and the case's version.

Who may see a case: a department only its own (others' are "not found"); every other case
role sees all. The store knows nothing of HTTP; it raises cases/errors.py."""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    Float,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from cases.catalog import CaseClass, Catalog
from cases.db import sqlite_sql
from cases.db.engine import Database
from cases.db.schema import case_photos, cases, components, flow_log, missed, photos
from cases.errors import Conflict, Forbidden, Invalid, NotFound
from cases.flow import FINAL, STATES, Transition, allowed, lookup, role_may_ever
from cases.photos import Photo
from cases.records import ActionInput, Actor, NewCase
from cases.workcalendar import WorkCalendar

MAX_TEXT = 4000
Row = dict[str, Any]
# Statements built once, values passed at execution: building a statement with its values
# embedded costs more CPU than SQLite takes to run it.
CASE_BY_ID = select(cases).where(cases.c.id == bindparam("b_id"))
CASE_OF_DEPARTMENT = CASE_BY_ID.where(cases.c.department == bindparam("b_dep"))
INSERT_CASE = insert(cases).returning(cases.c.id)
INSERT_LOG = insert(flow_log)
INSERT_CASE_PHOTOS = insert(case_photos)
PHOTOS_FOUND = select(photos.c.sha256).where(
    photos.c.sha256.in_(bindparam("b_shas", expanding=True)))


def colour(row: Row, now: float) -> str | None:
    """green / yellow (past warn_fraction of the limit) / red (past the limit); None: no
    limit runs (closed, void, parked, reported)."""
    due, warn = row.get("due_ts"), row.get("warn_ts")
    if due is None:
        return None
    if now >= due:
        return "red"
    if warn is not None and now >= warn:
        return "yellow"
    return "green"


def _text(value: str | None, what: str) -> str:
    value = value or ""
    if len(value) > MAX_TEXT:
        raise Invalid(f"{what} longer than {MAX_TEXT} characters")
    return value


class CaseStore:
    def __init__(self, db: Database, catalog: Catalog, calendar: WorkCalendar,
                 warn_fraction: float = 0.8, clock: Callable[[], float] = time.time) -> None:
        """clock: the server's (wall, or the newest data time under --clock data; before
        any data, the wall clock)."""
        self.db, self.catalog, self.calendar = db, catalog, calendar
        self.warn_fraction = warn_fraction
        self._clock = clock

    def now(self) -> float:
        return self._clock() or time.time()

    # -- visibility --------------------------------------------------------------------------

    @staticmethod
    def _visible(actor: Actor) -> Any:
        if actor.base == "department":
            return cases.c.department == actor.subject
        return None

    def case_json(self, row: Row, actor: Actor, now: float) -> Row:
        cls = self.catalog.classes.get(row["class_code"])
        return {
            "id": row["id"], "version": row["version"], "state": row["state"],
            "state_name": STATES.get(row["state"], row["state"]),
            "class": row["class_code"], "class_name": cls.name if cls else None,
            "kind": "component" if row["class_code"].startswith("C") else "event",
            "urgent": row["urgent"], "source": row["source"], "reporter": row["reporter"],
            "description": row["description"], "address": row["address"],
            "lon": row["lon"], "lat": row["lat"], "road": row["road"], "grid": row["grid"],
            "component": row["component"], "suggested_department": row["suggested"],
            "department": row["department"], "assignee": row["assignee"],
            "evidence": orjson.loads(row["evidence"]) if row["evidence"] else None,
            "created_ts": row["created_ts"], "opened_ts": row["opened_ts"],
            "dispatched_ts": row["dispatched_ts"], "handled_ts": row["handled_ts"],
            "checked_ts": row["checked_ts"], "closed_ts": row["closed_ts"],
            "voided_ts": row["voided_ts"], "updated_ts": row["updated_ts"],
            "clock": {"stage": row["clock_stage"], "warn_ts": row["warn_ts"],
                      "due_ts": row["due_ts"], "paused_left_s": row["paused_left_s"],
                      "colour": colour(row, now)},
            "handle_due_ts": row["handle_due_ts"], "handled_on_time": row["handled_on_time"],
            "rework_count": row["rework_count"],
            "check": {"inspector": row["checker"], "passed": row["check_passed"],
                      "presence": row["check_presence"]},
            "allowed": allowed(row["state"], actor.base),
        }

    # -- reads -------------------------------------------------------------------------------

    def _row(self, conn: Connection, case_id: int, actor: Actor) -> Row:
        if actor.base == "department":
            row = conn.execute(CASE_OF_DEPARTMENT, {"b_id": case_id, "b_dep": actor.subject}
                               ).mappings().one_or_none()
        else:
            row = conn.execute(CASE_BY_ID, {"b_id": case_id}).mappings().one_or_none()
        if row is None:
            raise NotFound("no such case")
        return dict(row)

    async def get(self, case_id: int, actor: Actor, now: float | None = None) -> Row:
        """The case with its flow log and photos."""
        now = self.now() if now is None else now

        def read(conn: Connection) -> tuple[Row, Sequence[Any], Sequence[Any]]:
            row = self._row(conn, case_id, actor)
            log_rows = conn.execute(
                select(flow_log).where(flow_log.c.case_id == case_id)
                .order_by(flow_log.c.seq)).mappings().all()
            pics = conn.execute(
                select(case_photos.c.seq, photos).join(
                    photos, photos.c.sha256 == case_photos.c.sha256)
                .where(case_photos.c.case_id == case_id)
                .order_by(case_photos.c.seq, case_photos.c.sha256)).mappings().all()
            return row, log_rows, pics
        row, log_rows, pics = await self.db.read(read)
        by_seq: dict[int, list[str]] = {}
        for p in pics:
            by_seq.setdefault(p["seq"], []).append(p["sha256"])
        out = self.case_json(row, actor, now)
        out["log"] = [{
            "seq": r["seq"], "ts": r["ts"], "actor": r["actor"], "action": r["action"],
            "from": r["from_state"], "to": r["to_state"], "note": r["note"],
            "reason": r["reason"],
            "details": orjson.loads(r["details"]) if r["details"] else None,
            "photos": by_seq.get(r["seq"], [])} for r in log_rows]
        out["photos"] = [{"sha256": p["sha256"], "seq": p["seq"], "mime": p["mime"],
                          "width": p["width"], "height": p["height"],
                          "taken_ts": p["taken_ts"], "exif_lon": p["exif_lon"],
                          "exif_lat": p["exif_lat"],
                          "url": f"/api/v1/cases/photos/{p['sha256']}"} for p in pics]
        return out

    async def list_cases(self, actor: Actor, *, states: Sequence[str] = (),
                   department: str | None = None, grid: str | None = None,
                   source: str | None = None, reporter: str | None = None,
                   overdue: bool = False, limit: int = 100, offset: int = 0,
                   now: float | None = None) -> Row:
        """{"cases": [...] newest first, "total": n, "counts": {state: n},
        "overdue": {state: n}} within what the actor may see and the filters."""
        now = self.now() if now is None else now
        where = []
        visible = self._visible(actor)
        if visible is not None:
            where.append(visible)
        if department is not None:
            where.append(cases.c.department == department)
        if grid is not None:
            where.append(cases.c.grid == grid)
        if source is not None:
            where.append(cases.c.source == source)
        if reporter is not None:
            where.append(cases.c.reporter == reporter)
        scope = and_(*where) if where else None
        filtered = list(where)
        if states:
            filtered.append(cases.c.state.in_(list(states)))
        if overdue:
            filtered.append(cases.c.due_ts < now)
        query = select(cases).order_by(cases.c.id.desc()).limit(limit).offset(offset)
        count_q = select(func.count()).select_from(cases)
        if filtered:
            query = query.where(and_(*filtered))
            count_q = count_q.where(and_(*filtered))
        late = func.sum((cases.c.due_ts < now).cast(cases.c.version.type))
        by_state = select(cases.c.state, func.count(), late).group_by(cases.c.state)
        if scope is not None:
            by_state = by_state.where(scope)
        def read(conn: Connection) -> tuple[Sequence[Any], int, Sequence[Any]]:
            return (conn.execute(query).mappings().all(), conn.execute(count_q).scalar_one(),
                    conn.execute(by_state).all())
        rows, total, counts = await self.db.read(read)
        return {"cases": [self.case_json(dict(r), actor, now) for r in rows], "total": total,
                "counts": {s: 0 for s in STATES} | {s: int(n) for s, n, _ in counts},
                "overdue": {s: int(x or 0) for s, _, x in counts}}

    async def log_since(self, after_id: int, limit: int = 1000) -> list[Row]:
        """Flow-log lines after an id (every case), for feeds and tests."""
        def read(conn: Connection) -> list[Row]:
            return [dict(r) for r in conn.execute(
                select(flow_log).where(flow_log.c.id > after_id)
                .order_by(flow_log.c.id).limit(limit)).mappings().all()]
        return await self.db.read(read)

    # -- writes ------------------------------------------------------------------------------

    def class_of(self, code: str) -> CaseClass:
        cls = self.catalog.classes.get(code)
        if cls is None:
            raise Invalid(f"no such class {code!r}", field="class")
        return cls

    @staticmethod
    def _check_photos(conn: Connection, shas: Sequence[str]) -> None:
        if not shas:
            return
        found = set(conn.execute(PHOTOS_FOUND, {"b_shas": list(set(shas))}).scalars())
        missing = sorted(set(shas) - found)
        if missing:
            raise Invalid(f"no such photo {missing[0]} (upload it first)", field="photos")

    @staticmethod
    def _check_photos_raw(conn: sqlite3.Connection, shas: Sequence[str]) -> None:
        if not shas:
            return
        missing = sorted(set(shas) - set(sqlite_sql.photo_rows(conn, shas)))
        if missing:
            raise Invalid(f"no such photo {missing[0]} (upload it first)", field="photos")

    async def add_photo(self, photo: Photo, uploader: Actor, now: float) -> None:
        def write(conn: Connection) -> None:
            exists = conn.execute(select(photos.c.sha256).where(
                photos.c.sha256 == photo.sha256)).first()
            if exists is None:
                conn.execute(insert(photos).values(
                    sha256=photo.sha256, mime=photo.mime, bytes=photo.bytes, width=photo.width,
                    height=photo.height, taken_ts=photo.taken_ts, exif_lon=photo.exif_lon,
                    exif_lat=photo.exif_lat, uploaded_ts=now, uploader=uploader.role))
        await self.db.write(write)

    async def photo(self, sha: str) -> Row | None:
        return (await self.photos_of([sha])).get(sha)

    async def photos_of(self, shas: Sequence[str]) -> dict[str, Row]:
        if not shas:
            return {}

        def read(conn: Connection) -> dict[str, Row]:
            return {r["sha256"]: dict(r) for r in conn.execute(select(photos).where(
                photos.c.sha256.in_(list(set(shas))))).mappings().all()}
        return await self.db.read(read)

    async def component(self, code: str) -> Row | None:
        def read(conn: Connection) -> Row | None:
            row = conn.execute(select(components).where(components.c.code == code)
                               ).mappings().one_or_none()
            return dict(row) if row else None
        return await self.db.read(read)

    async def check_facts(self, case_id: int, actor: Actor, shas: Sequence[str]
                          ) -> tuple[float, float, list[Row]]:
        """What a check's proof of presence needs, in one read: the place of a case the actor
        may see (NotFound otherwise) and the stored facts of the check's photos."""
        if self.db.sqlite:
            def raw(conn: sqlite3.Connection) -> tuple[float, float, list[Row]]:
                row = sqlite_sql.case_row(conn, case_id, self._department_of(actor))
                if row is None:
                    raise NotFound("no such case")
                return row["lon"], row["lat"], list(sqlite_sql.photo_rows(conn, shas).values())
            return await self.db.read_raw(raw)

        def read(conn: Connection) -> tuple[float, float, list[Row]]:
            row = self._row(conn, case_id, actor)
            facts = [dict(r) for r in conn.execute(select(photos).where(
                photos.c.sha256.in_(list(set(shas))))).mappings().all()] if shas else []
            return row["lon"], row["lat"], facts
        return await self.db.read(read)

    @staticmethod
    def _department_of(actor: Actor) -> str | None:
        """The department whose cases alone the actor sees (None: every case)."""
        return (actor.subject or "") if actor.base == "department" else None

    async def create(self, new: NewCase, actor: Actor, now: float | None = None,
                     missed_by: Sequence[tuple[str, float]] = ()) -> tuple[Row, bool]:
        """(the case, created). A case whose source_ref exists already is that case
        (created False): an alert opens one case however often it arrives."""
        now = self.now() if now is None else now
        cls = self.class_of(new.class_code)
        description = _text(new.description, "description")
        address = _text(new.address, "address")
        suggested = None
        if new.component is not None:
            comp = await self.component(new.component)
            if comp is None:
                raise Invalid(f"no such component {new.component!r}", field="component")
            suggested = comp["owner"]
        if suggested is None:
            suggested = self.catalog.department_for(cls.code, new.place.grid)

        def case_values() -> Row:
            return dict(
                version=1, state="reported", class_code=cls.code, urgent=cls.urgent,
                source=new.source, source_ref=new.source_ref, reporter=new.reporter,
                description=description, address=address, lon=new.place.lon,
                lat=new.place.lat, road=new.place.road, grid=new.place.grid,
                component=new.component, suggested=suggested, department=None,
                assignee=new.assignee,
                evidence=orjson.dumps(new.evidence).decode() if new.evidence else None,
                created_ts=now, updated_ts=now, ever_overdue=False, rework_count=0)

        def log_line(case_id: int) -> Row:
            return dict(case_id=case_id, seq=1, ts=now, actor=actor.role, action="report",
                        from_state=None, to_state="reported", note=note, reason=None,
                        details=orjson.dumps({"source": new.source}).decode())

        def write(conn: Connection) -> tuple[Row, bool]:
            if new.source_ref is not None:
                found = conn.execute(select(cases.c.id).where(
                    cases.c.source_ref == new.source_ref)).scalar()
                if found is not None:
                    return self._row(conn, found, actor), False
            self._check_photos(conn, new.photos)
            values = case_values()
            case_id = conn.execute(INSERT_CASE, values).scalar_one()
            conn.execute(INSERT_LOG, log_line(case_id))
            if new.photos:
                conn.execute(INSERT_CASE_PHOTOS, [
                    {"case_id": case_id, "seq": 1, "sha256": s}
                    for s in dict.fromkeys(new.photos)])
            if missed_by:
                conn.execute(insert(missed), [
                    {"case_id": case_id, "inspector": who, "passed_ts": ts, "ts": now,
                     "grid": new.place.grid} for who, ts in missed_by])
            row = {c.name: None for c in cases.columns} | values | {"id": case_id}
            return row, True

        def raw(conn: sqlite3.Connection) -> tuple[Row, bool]:
            if new.source_ref is not None:
                found = sqlite_sql.case_by_ref(conn, new.source_ref)
                if found is not None:
                    row = sqlite_sql.case_row(conn, found, self._department_of(actor))
                    if row is None:
                        raise NotFound("no such case")
                    return row, False
            self._check_photos_raw(conn, new.photos)
            values = case_values()
            case_id = sqlite_sql.insert_case(conn, values)
            sqlite_sql.insert_log(conn, log_line(case_id))
            if new.photos:
                sqlite_sql.insert_case_photos(conn, case_id, 1, new.photos)
            if missed_by:
                sqlite_sql.insert_missed(conn, case_id, now, new.place.grid, missed_by)
            return {c: None for c in sqlite_sql.CASE_COLUMNS} | values | {"id": case_id}, True

        note = _text(new.note, "note")
        try:
            if self.db.sqlite:
                row, created = await self.db.write_raw(raw)
            else:
                row, created = await self.db.write(write)
        except (IntegrityError, sqlite3.IntegrityError):
            if new.source_ref is None:
                raise
            # Another process opened the case for this ref at the same moment.
            def read(conn: Connection) -> Row:
                found = conn.execute(select(cases.c.id).where(
                    cases.c.source_ref == new.source_ref)).scalar_one()
                return self._row(conn, found, actor)
            row, created = await self.db.read(read), False
        return self.case_json(row, actor, now), created

    async def act(self, case_id: int, given: ActionInput, actor: Actor,
                  now: float | None = None) -> Row:
        """Apply one action: 403 if the role may never take it, 404 if the case is not the
        actor's to see, 409 (with the actions allowed now) if the state does not allow it or
        the version moved on, 422 if its guard does not hold."""
        now = self.now() if now is None else now
        if not role_may_ever(actor.base, given.action):
            raise Forbidden(f"role {actor.base} may not {given.action}")
        note = _text(given.note, "note")
        reason = _text(given.reason, "reason") or None
        if not self.db.sqlite:
            return await self._act_in_one_statement(case_id, given, actor, now, note, reason)

        def write(conn: sqlite3.Connection) -> Row:
            row = sqlite_sql.case_row(conn, case_id, self._department_of(actor))
            if row is None:
                raise NotFound("no such case")
            state = row["state"]
            tr, values, details = self._decide(row, given, actor, now, reason)
            self._check_photos_raw(conn, given.photos)
            version = row["version"] + 1
            values.update(version=version, state=tr.next, updated_ts=now)
            if not sqlite_sql.update_case(conn, case_id, given.version, values):
                # another process won the race between read and write
                raise Conflict("the case has changed since you read it", state=state,
                               version=given.version + 1, allowed=[])
            sqlite_sql.insert_log(conn, dict(
                case_id=case_id, seq=version, ts=now, actor=actor.role, action=given.action,
                from_state=state, to_state=tr.next, note=note, reason=reason,
                details=orjson.dumps(details).decode() if details else None))
            if given.photos:
                sqlite_sql.insert_case_photos(conn, case_id, version, given.photos)
            row.update(values)
            return row

        row = await self.db.write_raw(write)
        return self.case_json(row, actor, now)

    def _decide(self, row: Row, given: ActionInput, actor: Actor, now: float,
                reason: str | None) -> tuple[Transition, Row, Row]:
        state = row["state"]
        tr = lookup(state, given.action)
        if tr is None or not (actor.base == "admin" or actor.base in tr.roles):
            raise Conflict(f"{given.action} is not allowed on a case in state {state}",
                           state=state, version=row["version"],
                           allowed=allowed(state, actor.base))
        if row["version"] != given.version:
            raise Conflict("the case has changed since you read it", state=state,
                           version=row["version"], allowed=allowed(state, actor.base))
        values, details = self._apply(tr, row, given, reason, actor, now)
        return tr, values, details

    async def _act_in_one_statement(self, case_id: int, given: ActionInput, actor: Actor,
                                    now: float, note: str, reason: str | None) -> Row:
        """PostgreSQL: read the case, then write the case, its log line and its photos in ONE
        statement (data-modifying CTEs), auto-committed: two round trips in all instead of
        six. The version in the UPDATE's WHERE makes it safe without a transaction around
        the read: a case that moved in between updates nothing, and nothing else is written."""
        row = await self.db.once(lambda conn: self._row(conn, case_id, actor))
        tr, values, details = self._decide(row, given, actor, now, reason)
        version = row["version"] + 1
        shas = list(dict.fromkeys(given.photos))
        stmt = self._pg_statement(tuple(sorted(values)), bool(shas))
        params = {f"v_{k}": v for k, v in values.items()} | {
            "b_id": case_id, "b_version": given.version, "v_version": version,
            "v_state": tr.next, "v_updated_ts": now, "l_seq": version, "l_ts": now,
            "l_actor": actor.role, "l_action": given.action, "l_from": row["state"],
            "l_to": tr.next, "l_note": note, "l_reason": reason, "l_shas": shas,
            "l_details": orjson.dumps(details).decode() if details else None}
        try:
            done = await self.db.once(lambda conn: conn.execute(stmt, params).all())
        except IntegrityError:  # the photos' foreign key: nothing was written
            raise Invalid("no such photo (upload it first)", field="photos") from None
        if not done:  # another action won the race between read and write
            raise Conflict("the case has changed since you read it", state=row["state"],
                           version=given.version + 1, allowed=[])
        row.update(values, version=version, state=tr.next, updated_ts=now)
        return self.case_json(row, actor, now)

    @functools.lru_cache(maxsize=256)  # noqa: B019  # one per (columns set, photos or not)
    def _pg_statement(self, keys: tuple[str, ...], photos: bool) -> Any:
        """The action's one statement, values bound at execution (built once per shape)."""
        sets: dict[str, Any] = {k: bindparam(f"v_{k}")
                                for k in (*keys, "version", "state", "updated_ts")}
        upd = (update(cases).where(cases.c.id == bindparam("b_id"),
                                   cases.c.version == bindparam("b_version"))
               .values(sets).returning(cases.c.id).cte("upd"))
        log_line = select(
            upd.c.id, bindparam("l_seq", type_=Integer), bindparam("l_ts", type_=Float),
            bindparam("l_actor", type_=String), bindparam("l_action", type_=String),
            bindparam("l_from", type_=String), bindparam("l_to", type_=String),
            bindparam("l_note", type_=Text), bindparam("l_reason", type_=Text),
            bindparam("l_details", type_=Text))
        cols = ["case_id", "seq", "ts", "actor", "action", "from_state", "to_state", "note",
                "reason", "details"]
        logged = insert(flow_log).from_select(cols, log_line).returning(
            flow_log.c.case_id).cte("logged")
        if not photos:
            return select(logged.c.case_id)
        pics = select(logged.c.case_id, bindparam("l_seq", type_=Integer),
                      func.unnest(bindparam("l_shas", type_=ARRAY(String))))
        return insert(case_photos).from_select(["case_id", "seq", "sha256"], pics
                                               ).returning(case_photos.c.case_id)

    def _apply(self, tr: Transition, row: Row, given: ActionInput, reason: str | None,
               actor: Actor, now: float) -> tuple[Row, Row]:
        """The guard, then the case's new values and the log line's details."""
        cls = self.class_of(row["class_code"])
        values: Row = {}
        details: Row = dict(given.details)
        guard = tr.guard
        if guard in ("reason", "extension") and not reason:
            raise Invalid(f"{tr.action} needs a reason", field="reason")
        if guard == "department":
            dep = given.department or row["suggested"]
            if dep is None:
                raise Invalid("no department given and none routed for this case",
                              field="department")
            if dep not in self.catalog.departments:
                raise Invalid(f"no such department {dep!r}", field="department")
            values["department"] = dep
            details["department"] = dep
        if guard == "photo" and not given.photos:
            raise Invalid(f"{tr.action} needs at least one photo", field="photos")
        if guard == "check_result":
            if given.passed is None:
                raise Invalid("a check says passed: true or false", field="passed")
            values.update(checker=actor.subject or actor.role, check_passed=given.passed,
                          check_presence=details.get("presence"))
            details["passed"] = given.passed
        if guard == "check_passed" and not row["check_passed"]:
            raise Invalid("the last check did not pass: rework, not close", field="state")
        hours = given.hours
        if guard == "extension":
            if hours is None or not 0 < hours <= 24 * 90:
                raise Invalid("an extension is 0 < hours <= 2160", field="hours")
            details["hours"] = hours
        # The clock.
        stage = row["clock_stage"]
        running_due = row["due_ts"]
        if running_due is not None and now > running_due and tr.clock not in ("extend",):
            values["ever_overdue"] = True
        clock = tr.clock
        if clock.startswith("start_"):
            stage = clock.removeprefix("start_")
            limit = cls.limits[stage]
            due = self.calendar.deadline(now, limit)
            values.update(clock_stage=stage, due_ts=due, paused_left_s=None,
                          warn_ts=self.calendar.deadline(now, limit, self.warn_fraction))
            if stage == "handle":
                values["handle_due_ts"] = due
        elif clock == "stop":
            values.update(clock_stage=None, warn_ts=None, due_ts=None, paused_left_s=None)
        elif clock == "extend" and stage is not None and running_due is not None:
            natural = cls.limits[stage].unit == "hours"
            due = self.calendar.add(running_due, hours * 3600.0 if hours else 0.0, natural)
            warn = row["warn_ts"] or running_due
            values.update(due_ts=due, warn_ts=self.calendar.add(
                warn, hours * 3600.0 if hours else 0.0, natural))
            if stage == "handle":
                values["handle_due_ts"] = due
        elif clock == "pause" and stage is not None and running_due is not None:
            natural = cls.limits[stage].unit == "hours"
            values.update(paused_left_s=self.calendar.elapsed(now, running_due, natural),
                          warn_ts=None, due_ts=None)
        elif clock == "resume" and stage is not None:
            limit = cls.limits[stage]
            natural = limit.unit == "hours"
            left = row["paused_left_s"] or 0.0
            warn_left = left - (1.0 - self.warn_fraction) * self.calendar.limit_seconds(limit)
            due = self.calendar.add(now, left, natural)
            values.update(due_ts=due, paused_left_s=None,
                          warn_ts=self.calendar.add(now, max(warn_left, 0.0), natural))
            if stage == "handle":
                values["handle_due_ts"] = due
        # What each action records.
        action = tr.action
        if action == "open":
            values["opened_ts"] = now
        elif action == "dispatch":
            values["dispatched_ts"] = now
        elif action == "handle":
            values["handled_ts"] = now
            on_time = row["handle_due_ts"] is None or now <= row["handle_due_ts"]
            values["handled_on_time"] = on_time
            details["on_time"] = on_time
        elif action == "return":
            values.update(department=None, dispatched_ts=None, handle_due_ts=None)
        elif action == "check":
            values["checked_ts"] = now
        elif action == "close":
            values["closed_ts"] = now
        elif action == "void":
            values["voided_ts"] = now
        elif action == "rework":
            values.update(rework_count=row["rework_count"] + 1, handled_on_time=None,
                          check_passed=None, check_presence=None, checker=None)
        if tr.next in FINAL:
            values.update(clock_stage=None, warn_ts=None, due_ts=None, paused_left_s=None)
        return values, details
