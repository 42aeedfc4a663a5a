"""[cases]: the case loop's database, calendar, photo and judgement settings (README, Cases)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from config.patrol import Strict

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


class CasesSection(Strict):
    enabled: bool = Field(True, description="Serve the case loop (/api/v1/cases, /open311).")
    process: Literal["child", "in"] = Field(
        "child", description="child: the case loop runs in a process of its own, started and "
        "restarted by the server, which forwards /api/v1/cases and /open311 to it (the "
        "patrol path keeps its event loop and core to itself); in: in the server's process. "
        "With --redis every web process runs it in its own process (in).")
    port: int = Field(0, ge=0, le=65535, description="With process = child: the child's "
                      "port on 127.0.0.1 (0: any free one). It answers only the server.")
    database: str | None = Field(
        None, description="postgresql://user:pass@host:port/db, or sqlite:///path; default: "
        "SQLite file cases.sqlite3 in [server] data_dir (WAL). Every web process of a "
        "--redis deployment must name the same database (PostgreSQL).")
    sqlite_synchronous: Literal["normal", "full"] = Field(
        "normal", description="SQLite WAL sync: normal survives a killed process (kill -9) "
        "and never corrupts; full also survives a power cut, at an fsync per action.")
    postgres_synchronous_commit: bool = Field(
        True, description="PostgreSQL: false acknowledges an action once PostgreSQL has it "
        "in memory (like SQLite's normal: it survives gridwatch being killed; a crash of the "
        "database machine may lose the last actions, never corrupts); true waits for the "
        "disk (PostgreSQL's default).")
    catalog: str | None = Field(None, description="TOML file of classes, time limits, "
                                "departments and dispatch rules; default: the shipped table "
                                "(cases/defaults/catalog.toml).")
    inventory: str | None = Field(None, description="GeoJSON of 部件 (components) loaded at "
                                  "start (upserted by code).")
    office_hours: list[tuple[str, str]] = Field(
        default_factory=lambda: [("08:30", "12:00"), ("14:00", "17:30")],
        description="Working spans of a working day, local time (HH:MM, ascending).")
    holidays: bool = Field(True, description="China's public holidays and make-up workdays "
                           "(the holidays package); false: Monday to Friday only.")
    warn_fraction: float = Field(0.8, gt=0, lt=1, description="Share of a time limit after "
                                 "which a case turns yellow (red past the limit).")
    photo_max_bytes: int = Field(8 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024,
                                 description="Largest photo upload (413 above).")
    photo_max_pixels: int = Field(40_000_000, ge=10_000, le=400_000_000,
                                  description="Largest photo in pixels (decompression bombs).")
    presence_distance_m: float = Field(50.0, gt=0, le=5000, description="核查: the checking "
                                       "inspector's track must pass this close to the case.")
    presence_dwell_s: float = Field(120.0, ge=0, le=7200, description="核查: and stay "
                                    "within that distance at least this long (walking past "
                                    "a 50 m circle takes about 80 s).")
    presence_window_s: float = Field(4 * 3600.0, gt=0, le=7 * 86400, description="核查: how "
                                     "far back before the check its track is looked at.")
    missed_window_s: float = Field(4 * 3600.0, gt=0, le=7 * 86400, description="漏报: a "
                                   "hotline or public case on a road an inspector passed this "
                                   "recently without reporting counts against the inspector.")
    missed_distance_m: float = Field(100.0, gt=0, le=5000, description="漏报: a report of the "
                                     "same class this close to the case excuses the inspector.")
    max_cases_page: int = Field(500, ge=10, le=10_000, description="Most cases in one list.")
    spill_cases: bool = Field(True, description="Every spill alert opens a reported case.")
    department_weights: dict[str, float] = Field(
        default_factory=lambda: {"ontime_rate": 0.4, "close_rate": 0.3,
                                 "rework_free_rate": 0.2, "overdue_free_rate": 0.1},
        description="综合指标值 of departments and grids: weights of the rates (sum 1).")
    inspector_weights: dict[str, float] = Field(
        default_factory=lambda: {"report_share": 0.5, "miss_free_rate": 0.3,
                                 "check_presence_rate": 0.2},
        description="综合指标值 of inspectors: weights of the rates (sum 1).")
    grades: list[tuple[float, str]] = Field(
        default_factory=lambda: [(90.0, "优"), (80.0, "良"), (60.0, "中"), (0.0, "差")],
        description="Grade of a 综合指标值: the first whose floor it reaches.")

    @field_validator("office_hours")
    @classmethod
    def _spans(cls, spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
        last = -1
        for a, b in spans:
            if not (_HHMM.match(a) and _HHMM.match(b)):
                raise ValueError("office hours are HH:MM")
            if not last < minutes(a) < minutes(b):
                raise ValueError("office hours must be ascending, non-overlapping spans")
            last = minutes(b)
        if not spans:
            raise ValueError("at least one office-hours span")
        return spans

    @field_validator("department_weights", "inspector_weights")
    @classmethod
    def _weights(cls, weights: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in weights.values()) or abs(sum(weights.values()) - 1.0) > 1e-6:
            raise ValueError("weights are non-negative and sum to 1")
        return weights
