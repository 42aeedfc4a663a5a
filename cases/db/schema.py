"""The case loop's tables (SQLAlchemy Core). Alembic migrations (cases/migrations) create
them; a test checks that the migrations and these tables agree.

Times are epoch seconds (float), as everywhere in gridwatch; JSON columns are text."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

cases = Table(
    "cases", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", Integer, nullable=False),  # the flow-log line count: optimistic check
    Column("state", String(16), nullable=False),
    Column("class_code", String(8), nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("source", String(16), nullable=False),  # inspector|camera|spill|hotline|open311|patrol
    Column("source_ref", String(200), nullable=True, unique=True),  # alert id: one case each
    Column("reporter", String(64), nullable=True),  # the reporting inspector (or operator)
    Column("description", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("road", String(64), nullable=True),
    Column("grid", String(64), nullable=True),
    Column("component", String(16), nullable=True),
    Column("suggested", String(64), nullable=True),  # routed department (owner or rule)
    Column("department", String(64), nullable=True),  # set by 派遣
    Column("assignee", String(64), nullable=True),  # an inspector a patrol case is about
    Column("evidence", Text, nullable=True),  # JSON: camera, clip, vehicle crop
    Column("created_ts", Float, nullable=False),
    Column("opened_ts", Float, nullable=True),
    Column("dispatched_ts", Float, nullable=True),
    Column("handled_ts", Float, nullable=True),
    Column("checked_ts", Float, nullable=True),
    Column("closed_ts", Float, nullable=True),
    Column("voided_ts", Float, nullable=True),
    Column("updated_ts", Float, nullable=False),
    # The running time limit: stage, when it started, when it turns yellow and red.
    Column("clock_stage", String(16), nullable=True),
    Column("warn_ts", Float, nullable=True),
    Column("due_ts", Float, nullable=True),
    Column("paused_left_s", Float, nullable=True),  # 挂账: what was left of the limit
    Column("handle_due_ts", Float, nullable=True),  # the handling deadline (按期结案)
    Column("handled_on_time", Boolean, nullable=True),
    Column("ever_overdue", Boolean, nullable=False),  # a limit passed at some point (超期)
    Column("rework_count", Integer, nullable=False),
    Column("checker", String(64), nullable=True),
    Column("check_passed", Boolean, nullable=True),
    Column("check_presence", String(8), nullable=True),  # present | desk
    Index("ix_cases_state", "state"),
    Index("ix_cases_department_state", "department", "state"),
    Index("ix_cases_grid", "grid"),
    Index("ix_cases_opened", "opened_ts"),
    Index("ix_cases_created", "created_ts"),
    Index("ix_cases_reporter", "reporter", "created_ts"),
    Index("ix_cases_due", "due_ts"),
)

flow_log = Table(
    "flow_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),  # = the case's version after this line
    Column("ts", Float, nullable=False),
    Column("actor", String(80), nullable=False),  # the full role: operator, department:water
    Column("action", String(16), nullable=False),
    Column("from_state", String(16), nullable=True),
    Column("to_state", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("details", Text, nullable=True),  # JSON
    UniqueConstraint("case_id", "seq", name="uq_flow_log_case_seq"),  # never applied twice
    Index("ix_flow_log_ts", "ts"),
    Index("ix_flow_log_action_ts", "action", "ts"),  # 核查 counts of the evaluation
)

photos = Table(
    "photos", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("mime", String(16), nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("taken_ts", Float, nullable=True),  # EXIF DateTimeOriginal (city zone)
    Column("exif_lon", Float, nullable=True),
    Column("exif_lat", Float, nullable=True),
    Column("uploaded_ts", Float, nullable=False),
    Column("uploader", String(80), nullable=False),
)

case_photos = Table(
    "case_photos", metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),  # the flow-log line that brought it
    Column("sha256", String(64), ForeignKey("photos.sha256"), primary_key=True),
)

components = Table(
    "components", metadata,
    Column("code", String(16), primary_key=True),  # district(6) 大类(2) 小类(2) serial(6)
    Column("class_code", String(8), nullable=False),
    Column("name", Text, nullable=False),
    Column("owner", String(64), nullable=False),
    Column("maintainer", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("grid", String(64), nullable=True),
    Column("road", String(64), nullable=True),
    Index("ix_components_lon_lat", "lon", "lat"),
)

missed = Table(  # 漏报: a hotline/public case an inspector passed by without reporting
    "missed_reports", metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("inspector", String(64), primary_key=True),
    Column("passed_ts", Float, nullable=False),
    Column("ts", Float, nullable=False),
    Column("grid", String(64), nullable=True),
    Index("ix_missed_inspector_ts", "inspector", "ts"),
)
