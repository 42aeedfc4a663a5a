"""The working calendar: office hours, weekends, China's holidays and make-up workdays."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.catalog import Limit
from cases.workcalendar import WorkCalendar

ZONE = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar("Asia/Shanghai", [("08:30", "12:00"), ("14:00", "17:30")])


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> float:
    return datetime(y, m, d, hh, mm, tzinfo=ZONE).timestamp()


def local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, ZONE).replace(tzinfo=None)


def test_national_day_and_its_make_up_saturday() -> None:
    assert not CAL.is_workday(date(2026, 10, 1))  # National Day
    assert not CAL.is_workday(date(2026, 10, 7))  # day off moved from 10 October
    assert CAL.is_workday(date(2026, 10, 10))  # a Saturday worked instead (调休)
    assert CAL.is_workday(date(2026, 9, 20))  # a Sunday worked instead
    assert not CAL.is_workday(date(2026, 10, 11))  # an ordinary Sunday
    # 3 working days from 30 September 16:00: 1.5 h that day, then 8, 9 and 10 October
    assert local(CAL.deadline(at(2026, 9, 30, 16), Limit(3, "work_days"))) == \
        datetime(2026, 10, 10, 16, 0)


def test_working_hours_skip_lunch_and_night() -> None:
    assert local(CAL.deadline(at(2026, 12, 4, 11), Limit(2, "work_hours"))) == \
        datetime(2026, 12, 4, 15, 0)  # 1 h before lunch, 1 h after
    assert local(CAL.deadline(at(2026, 12, 4, 17), Limit(1, "work_hours"))) == \
        datetime(2026, 12, 7, 9, 0)  # Friday evening: Monday morning
    assert local(CAL.deadline(at(2026, 12, 5, 23), Limit(4, "hours"))) == \
        datetime(2026, 12, 6, 3, 0)  # natural hours run round the clock


def test_without_holidays_only_weekends_rest() -> None:
    plain = WorkCalendar("Asia/Shanghai", [("09:00", "17:00")], public_holidays=False)
    assert plain.is_workday(date(2026, 10, 1))
    assert not plain.is_workday(date(2026, 10, 10))


@settings(max_examples=60, deadline=None)
@given(start=st.floats(at(2026, 1, 1), at(2026, 12, 31)), hours=st.floats(0.01, 100),
       unit=st.sampled_from(["work_hours", "work_days", "hours"]))
def test_elapsed_undoes_add(start: float, hours: float, unit: str) -> None:
    limit = Limit(hours, unit)  # type: ignore[arg-type]
    due = CAL.deadline(start, limit)
    assert due >= start
    assert CAL.elapsed(start, due, unit == "hours") == pytest.approx(
        CAL.limit_seconds(limit), abs=1e-3)
