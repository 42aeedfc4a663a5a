"""The case loop's first tables: cases, flow_log, photos, case_photos, components,
missed_reports.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("class_code", sa.String(8), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_ref", sa.String(200), nullable=True, unique=True),
        sa.Column("reporter", sa.String(64), nullable=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("road", sa.String(64), nullable=True),
        sa.Column("grid", sa.String(64), nullable=True),
        sa.Column("component", sa.String(16), nullable=True),
        sa.Column("suggested", sa.String(64), nullable=True),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("evidence", sa.Text, nullable=True),
        sa.Column("created_ts", sa.Float, nullable=False),
        sa.Column("opened_ts", sa.Float, nullable=True),
        sa.Column("dispatched_ts", sa.Float, nullable=True),
        sa.Column("handled_ts", sa.Float, nullable=True),
        sa.Column("checked_ts", sa.Float, nullable=True),
        sa.Column("closed_ts", sa.Float, nullable=True),
        sa.Column("voided_ts", sa.Float, nullable=True),
        sa.Column("updated_ts", sa.Float, nullable=False),
        sa.Column("clock_stage", sa.String(16), nullable=True),
        sa.Column("warn_ts", sa.Float, nullable=True),
        sa.Column("due_ts", sa.Float, nullable=True),
        sa.Column("paused_left_s", sa.Float, nullable=True),
        sa.Column("handle_due_ts", sa.Float, nullable=True),
        sa.Column("handled_on_time", sa.Boolean, nullable=True),
        sa.Column("ever_overdue", sa.Boolean, nullable=False),
        sa.Column("rework_count", sa.Integer, nullable=False),
        sa.Column("checker", sa.String(64), nullable=True),
        sa.Column("check_passed", sa.Boolean, nullable=True),
        sa.Column("check_presence", sa.String(8), nullable=True),
    )
    op.create_index("ix_cases_state", "cases", ["state"])
    op.create_index("ix_cases_department_state", "cases", ["department", "state"])
    op.create_index("ix_cases_grid", "cases", ["grid"])
    op.create_index("ix_cases_opened", "cases", ["opened_ts"])
    op.create_index("ix_cases_created", "cases", ["created_ts"])
    op.create_index("ix_cases_reporter", "cases", ["reporter", "created_ts"])
    op.create_index("ix_cases_due", "cases", ["due_ts"])
    op.create_table(
        "flow_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("details", sa.Text, nullable=True),
        sa.UniqueConstraint("case_id", "seq", name="uq_flow_log_case_seq"),
    )
    op.create_index("ix_flow_log_ts", "flow_log", ["ts"])
    op.create_index("ix_flow_log_action_ts", "flow_log", ["action", "ts"])
    op.create_table(
        "photos",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("mime", sa.String(16), nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("taken_ts", sa.Float, nullable=True),
        sa.Column("exif_lon", sa.Float, nullable=True),
        sa.Column("exif_lat", sa.Float, nullable=True),
        sa.Column("uploaded_ts", sa.Float, nullable=False),
        sa.Column("uploader", sa.String(80), nullable=False),
    )
    op.create_table(
        "case_photos",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("photos.sha256"), primary_key=True),
    )
    op.create_table(
        "components",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("class_code", sa.String(8), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("maintainer", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("grid", sa.String(64), nullable=True),
        sa.Column("road", sa.String(64), nullable=True),
    )
    op.create_index("ix_components_lon_lat", "components", ["lon", "lat"])
    op.create_table(
        "missed_reports",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("inspector", sa.String(64), primary_key=True),
        sa.Column("passed_ts", sa.Float, nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("grid", sa.String(64), nullable=True),
    )
    op.create_index("ix_missed_inspector_ts", "missed_reports", ["inspector", "ts"])


def downgrade() -> None:
    for table in ("missed_reports", "components", "case_photos", "photos", "flow_log",
                  "cases"):
        op.drop_table(table)
