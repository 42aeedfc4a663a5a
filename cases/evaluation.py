"""综合评价: per department, grid and inspector, for a day, a 旬, a month or a year.

Definitions (README, Cases — Evaluation), over the cases 立案 (opened) in the period, 作废
(void) ones left out, judged at the moment of asking:
  立案数 opened; 应结案数 due = closed, or past the handling deadline; 结案数 closed;
  结案率 = 结案数 / 应结案数; 按期结案数 = closed and handled by the deadline;
  按期结案率 = 按期结案数 / 应结案数; 返工数 = sent back at least once; 返工率 = 返工数 / 立案数;
  超期数 = handled late, or not handled and past the deadline; 超期率 = 超期数 / 应结案数.
Inspectors (their own reports): 上报数, 有效上报数 (reports that were opened), 漏报数 (hotline
or public cases on a road they had just passed), 核查数 and 到场核查数 (with proof of presence).
One SQL statement per table (GROUP BY), so a year of a county stays well under a second."""

from __future__ import annotations

import csv
import html
import io
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, func, literal, select
from sqlalchemy.engine import Connection

from cases.catalog import Catalog
from cases.db.engine import Database
from cases.db.schema import cases, flow_log, missed
from cases.errors import Invalid
from config.cases import CasesSection

DIMENSIONS = ("department", "grid", "inspector")
PERIODS = ("day", "xun", "month", "year")
COLUMNS: list[tuple[str, str]] = [
    ("name", "名称"), ("opened", "立案数"), ("due", "应结案数"), ("closed", "结案数"),
    ("close_rate", "结案率"), ("ontime", "按期结案数"), ("ontime_rate", "按期结案率"),
    ("rework", "返工数"), ("rework_rate", "返工率"), ("overdue", "超期数"),
    ("overdue_rate", "超期率"),
]
INSPECTOR_COLUMNS: list[tuple[str, str]] = [
    ("reports", "上报数"), ("valid_reports", "有效上报数"), ("missed", "漏报数"),
    ("checks", "核查数"), ("present_checks", "到场核查数"),
]
TAIL: list[tuple[str, str]] = [("score", "综合指标值"), ("rank", "排名"), ("grade", "等级")]
DEPARTMENT_RATES = ("ontime_rate", "close_rate", "rework_free_rate", "overdue_free_rate")
INSPECTOR_RATES = ("report_share", "miss_free_rate", "check_presence_rate")


def period_span(period: str, day: date) -> tuple[date, date]:
    """[first day, day after the last) of the period holding `day`; a 旬 is 1–10, 11–20 or
    21 to the month's end."""
    if period == "day":
        return day, day + timedelta(days=1)
    if period == "year":
        return date(day.year, 1, 1), date(day.year + 1, 1, 1)
    month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    if period == "month":
        return day.replace(day=1), month_end
    if period == "xun":
        if day.day <= 10:
            return day.replace(day=1), day.replace(day=11)
        if day.day <= 20:
            return day.replace(day=11), day.replace(day=21)
        return day.replace(day=21), month_end
    raise Invalid(f"period is one of {', '.join(PERIODS)}", field="period")


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


class Evaluation:
    def __init__(self, db: Database, catalog: Catalog, cfg: CasesSection,
                 timezone: str, clock: Callable[[], float] = time.time) -> None:
        self.db, self.catalog, self.cfg = db, catalog, cfg
        self.clock = clock
        self.zone = ZoneInfo(timezone)
        for w, known in ((cfg.department_weights, DEPARTMENT_RATES),
                         (cfg.inspector_weights, INSPECTOR_RATES)):
            unknown = set(w) - set(known)
            if unknown:
                raise ValueError(f"[cases] weights: unknown rate {sorted(unknown)[0]!r} "
                                 f"(known: {', '.join(known)})")

    def _ts(self, d: date) -> float:
        return datetime(d.year, d.month, d.day, tzinfo=self.zone).timestamp()

    def _day(self, text: str | None) -> date:
        if text is None:
            return datetime.fromtimestamp(self.clock() or time.time(), self.zone).date()
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise Invalid("date is YYYY-MM-DD", field="date") from None

    async def table(self, dimension: str, period: str, day_text: str | None,
                    now: float | None = None) -> dict[str, Any]:
        if dimension not in DIMENSIONS:
            raise Invalid(f"dimension is one of {', '.join(DIMENSIONS)}", field="dimension")
        first, last = period_span(period, self._day(day_text))
        start, end = self._ts(first), self._ts(last)
        now = (self.clock() or time.time()) if now is None else now
        rows = await self._rows(dimension, start, end, now)
        self._score(dimension, rows)
        return {"dimension": dimension, "period": period, "start": first.isoformat(),
                "end": (last - timedelta(days=1)).isoformat(), "at": now,
                "weights": self.cfg.inspector_weights if dimension == "inspector"
                else self.cfg.department_weights,
                "columns": [k for k, _ in self.columns(dimension)],
                "labels": dict(self.columns(dimension)), "rows": rows}

    def columns(self, dimension: str) -> list[tuple[str, str]]:
        extra = INSPECTOR_COLUMNS if dimension == "inspector" else []
        return [("id", "编号"), *COLUMNS, *extra, *TAIL]

    async def _rows(self, dimension: str, start: float, end: float,
                    now: float) -> list[dict[str, Any]]:
        c = cases.c
        one = literal(1)
        key = {"department": c.department, "grid": c.grid, "inspector": c.reporter}[dimension]
        closed = c.closed_ts.is_not(None)
        due = closed | (c.handle_due_ts.is_not(None) & (c.handle_due_ts <= now))
        late = (c.handled_on_time == False) | (  # noqa: E712  # SQL, not Python
            c.handled_ts.is_(None) & c.handle_due_ts.is_not(None) & (c.handle_due_ts < now))

        def count(cond: Any) -> Any:
            return func.coalesce(func.sum(case((cond, one), else_=0)), 0)

        where = [c.opened_ts >= start, c.opened_ts < end, c.state != "void", key.is_not(None)]
        if dimension == "inspector":
            where.append(c.source == "inspector")
        query = select(key.label("id"), func.count().label("opened"), count(due).label("due"),
                       count(closed).label("closed"),
                       count(closed & (c.handled_on_time == True)).label("ontime"),  # noqa: E712
                       count(c.rework_count > 0).label("rework"), count(late).label("overdue")
                       ).where(and_(*where)).group_by(key)
        def read(conn: Connection) -> dict[str, dict[str, Any]]:
            found = {r.id: dict(r._mapping) for r in conn.execute(query).all()}
            if dimension == "inspector":
                self._inspector_extras(conn, found, start, end)
            return found
        found = await self.db.read(read)
        rows = []
        for ident, r in sorted(found.items()):
            r = {k: int(v) if k != "id" else v for k, v in r.items()}
            r.update(close_rate=_rate(r["closed"], r["due"]),
                     ontime_rate=_rate(r["ontime"], r["due"]),
                     rework_rate=_rate(r["rework"], r["opened"]),
                     overdue_rate=_rate(r["overdue"], r["due"]),
                     name=self._name(dimension, ident))
            rows.append(r)
        return rows

    def _inspector_extras(self, conn: Connection, found: dict[str, dict[str, Any]],
                                start: float, end: float) -> None:
        c = cases.c
        zero = {"opened": 0, "due": 0, "closed": 0, "ontime": 0, "rework": 0, "overdue": 0,
                "reports": 0, "valid_reports": 0, "missed": 0, "checks": 0,
                "present_checks": 0}
        for r in found.values():
            r.update({k: 0 for k in INSPECTOR_COLUMNS_KEYS})

        def row(who: str) -> dict[str, Any]:
            return found.setdefault(who, {"id": who, **zero})

        reports = select(c.reporter, func.count(),
                         func.sum(case((c.opened_ts.is_not(None) & (c.state != "void"), 1),
                                       else_=0))).where(
            c.source == "inspector", c.created_ts >= start, c.created_ts < end
        ).group_by(c.reporter)
        for who, n, valid in conn.execute(reports).all():
            row(who).update(reports=int(n), valid_reports=int(valid or 0))
        m = missed.c
        for who, n in conn.execute(select(m.inspector, func.count()).where(
                m.ts >= start, m.ts < end).group_by(m.inspector)).all():
            row(who)["missed"] = int(n)
        f = flow_log.c
        present = case((f.details.like('%"presence":"present"%'), 1), else_=0)
        checks = select(f.actor, func.count(), func.sum(present).cast(Integer)).where(
            f.action == "check", f.ts >= start, f.ts < end,
            f.actor.like("inspector:%")).group_by(f.actor)
        for actor, n, p in conn.execute(checks).all():
            r = row(actor.partition(":")[2])
            r.update(checks=int(n), present_checks=int(p or 0))

    def _name(self, dimension: str, ident: str) -> str:
        if dimension == "department":
            return self.catalog.departments.get(ident, ident)
        return ident

    def _score(self, dimension: str, rows: list[dict[str, Any]]) -> None:
        if dimension == "inspector":
            w = self.cfg.inspector_weights
            top = max((r["valid_reports"] for r in rows), default=0)
            for r in rows:
                seen = r["valid_reports"] + r["missed"]
                rates = {"report_share": r["valid_reports"] / top if top else 0.0,
                         "miss_free_rate": r["valid_reports"] / seen if seen else 1.0,
                         "check_presence_rate": r["present_checks"] / r["checks"]
                         if r["checks"] else 1.0}
                r["score"] = round(100 * sum(w.get(k, 0.0) * v for k, v in rates.items()), 2)
        else:
            w = self.cfg.department_weights
            for r in rows:
                if not r["due"]:
                    r["score"] = None
                    continue
                rates = {"ontime_rate": r["ontime_rate"], "close_rate": r["close_rate"],
                         "rework_free_rate": 1.0 - (r["rework_rate"] or 0.0),
                         "overdue_free_rate": 1.0 - (r["overdue_rate"] or 0.0)}
                r["score"] = round(100 * sum(w.get(k, 0.0) * v for k, v in rates.items()), 2)
        ranked = sorted((r for r in rows if r["score"] is not None),
                        key=lambda r: -r["score"])
        prev, rank = None, 0
        for n, r in enumerate(ranked, 1):
            if r["score"] != prev:
                rank, prev = n, r["score"]
            r["rank"] = rank
            r["grade"] = next((g for floor, g in self.cfg.grades if r["score"] >= floor), None)
        for r in rows:
            r.setdefault("rank", None)
            r.setdefault("grade", None)
        rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["id"]))

    def csv(self, table: dict[str, Any]) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        cols = self.columns(table["dimension"])
        writer.writerow([f"{zh} / {k}" for k, zh in cols])
        for r in table["rows"]:
            writer.writerow(["" if r.get(k) is None else _cell(r.get(k)) for k, _ in cols])
        return out.getvalue()

    async def bulletin(self, month: str | None, now: float | None = None) -> str:
        """月公布: the month's three tables as one printable page (no script, no external
        resource: it prints and archives as it is)."""
        if month is None:
            day = self._day(None).replace(day=1)
        else:
            try:
                day = date.fromisoformat(f"{month}-01")
            except ValueError:
                raise Invalid("month is YYYY-MM", field="month") from None
        label = f"{day.year}年{day.month}月"
        parts = [f"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                 f"<title>数字城管月度考核公布 {label}</title><style>{BULLETIN_CSS}</style>"
                 f"</head><body><h1>数字化城市管理月度考核公布</h1>"
                 f"<p class=\"sub\">{label} · Monthly evaluation bulletin · "
                 f"{day.isoformat()[:7]}</p>"]
        titles = {"department": "责任单位考核 / Departments", "grid": "网格考核 / Grids",
                  "inspector": "监督员考核 / Inspectors"}
        for dim in DIMENSIONS:
            table = await self.table(dim, "month", day.isoformat(), now)
            cols = self.columns(dim)
            parts.append(f"<h2>{titles[dim]}</h2><table><thead><tr>")
            parts += [f"<th>{html.escape(zh)}</th>" for _, zh in cols]
            parts.append("</tr></thead><tbody>")
            for r in table["rows"]:
                parts.append("<tr>" + "".join(
                    f"<td>{html.escape(_cell(r.get(k)))}</td>" for k, _ in cols) + "</tr>")
            if not table["rows"]:
                parts.append(f"<tr><td colspan=\"{len(cols)}\">无 / none</td></tr>")
            parts.append("</tbody></table>")
        weights = ", ".join(f"{k} {v:g}" for k, v in self.cfg.department_weights.items())
        parts.append(f"<p class=\"note\">综合指标值 = 100 × Σ 权重 × 指标 ({weights}); "
                     "结案率 = 结案数 / 应结案数; 按期结案率 = 按期结案数 / 应结案数; "
                     "返工率 = 返工数 / 立案数; 超期率 = 超期数 / 应结案数.</p></body></html>")
        return "".join(parts)


INSPECTOR_COLUMNS_KEYS = [k for k, _ in INSPECTOR_COLUMNS]
BULLETIN_CSS = ("body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;"
                "margin:2em}h1{font-size:1.5em}table{border-collapse:collapse;width:100%;"
                "margin-bottom:1.5em;font-size:.85em}th,td{border:1px solid #666;padding:.25em"
                " .4em;text-align:right}td:first-child,td:nth-child(2){text-align:left}"
                ".sub,.note{color:#444}@media print{body{margin:0}h2{break-before:auto}}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if value < 1.0001 else f"{value:.2f}"
    return str(value)
