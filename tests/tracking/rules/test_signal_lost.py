"""signal_lost: raised once signal_lost_s after the last fix (or the window opening)."""

from __future__ import annotations

from tests.tracking.rules.tracks import OPEN_0730, VEHICLE, Runner, alerts, fix, stand
from tracking.rules.signal_lost import SignalLost

T = OPEN_0730


def runner(**cfg: float) -> Runner:
    return Runner(SignalLost(alerts(**cfg)))


def test_raised_once_five_minutes_after_the_last_fix() -> None:
    r = runner()
    r.feed(stand(T, 600, every=5.0), tick_every=1.0)
    last = T + 595.0
    r.ticks(last + 1, last + 299)
    assert r.raised == []
    r.ticks(last + 300, last + 1200)
    assert len(r.raised) == 1
    alert = r.raised[0]
    assert alert.ts == last + 300
    assert alert.type == "signal_lost" and alert.severity == "warning"
    assert alert.subject == {"device": "p-03"}
    assert alert.message == "巡查员 p-03 已 5 分钟无信号 / no signal from inspector p-03 for 5 min"
    assert alert.details == {"since": last, "silent_s": 300.0}
    assert r.book.events[0].grid == "g-1"  # fanned out to the inspector's grid


def test_a_gap_just_under_the_threshold_raises_nothing() -> None:
    r = runner()
    r.feed([fix(T), fix(T + 299.0), fix(T + 598.0)], tick_every=1.0)
    r.ticks(T + 598, T + 897)
    assert r.raised == []


def test_cleared_by_the_next_fix_and_raised_again_by_a_new_silence() -> None:
    r = runner()
    r.fix(fix(T))
    r.ticks(T, T + 400)
    r.fix(fix(T + 401.0))
    assert [a.cleared_ts for a in r.cleared] == [T + 401.0]
    r.ticks(T + 402, T + 800)
    r.fix(fix(T + 801.0))
    assert [a.ts for a in r.raised] == [T + 300.0, T + 701.0]
    assert len({a.id for a in r.raised}) == 2
    assert r.book.open == {}


def test_an_assigned_inspector_never_seen_is_missed_five_minutes_after_the_opening() -> None:
    r = runner()
    r.ticks(T - 3600, T - 1, every=1.0, on_duty=False)  # night: nothing expected
    assert r.raised == []
    r.ticks(T, T + 1000, every=1.0)
    assert [a.ts for a in r.raised] == [T + 300.0]
    assert r.raised[0].details["since"] == T


def test_a_fix_before_the_opening_does_not_shorten_the_grace() -> None:
    r = runner()
    r.fix(fix(T - 200.0, on_duty=False))
    r.ticks(T - 199, T - 1, on_duty=False)
    r.ticks(T, T + 299)
    assert r.raised == []
    r.tick(T + 300)
    assert [a.ts for a in r.raised] == [T + 300.0]


def test_window_closing_clears_and_silence_off_duty_is_not_an_alert() -> None:
    r = runner()
    r.fix(fix(T))
    r.ticks(T, T + 400)
    end = T + 400.5
    r.tick(end, on_duty=False)
    assert [a.cleared_ts for a in r.cleared] == [end]
    assert r.state is None
    r.ticks(end, end + 12 * 3600, every=60.0, on_duty=False)
    assert len(r.raised) == 1 and r.book.open == {}


def test_an_off_duty_fix_clears_an_open_alert() -> None:
    r = runner()
    r.fix(fix(T))
    r.ticks(T, T + 310)
    r.fix(fix(T + 311, on_duty=False))
    assert [a.cleared_ts for a in r.cleared] == [T + 311]
    assert r.state is None


def test_a_gap_between_fixes_without_ticks_gives_what_ticks_give() -> None:
    fixes = [fix(T), fix(T + 100), fix(T + 1000), fix(T + 1010), fix(T + 1400)]
    ticked, unticked, sparse = runner(), runner(), runner()
    ticked.feed(fixes, tick_every=1.0)
    unticked.feed(fixes)
    sparse.feed(fixes, tick_every=37.0)
    assert [a.ts for a in ticked.raised] == [T + 400, T + 1310]
    for r in (unticked, sparse):
        assert [(a.id, a.ts, a.cleared_ts) for a in r.raised] == \
            [(a.id, a.ts, a.cleared_ts) for a in ticked.raised]


def test_a_late_older_fix_does_not_move_the_reference_back() -> None:
    r = runner()
    r.fix(fix(T + 100))
    r.fix(fix(T + 50))
    r.tick(T + 399)
    assert r.raised == []
    r.tick(T + 400)
    assert [a.ts for a in r.raised] == [T + 400]


def test_thresholds_come_from_the_config_and_vehicles_are_watched_too() -> None:
    r = Runner(SignalLost(alerts(signal_lost_s=90.0)), VEHICLE)
    r.fix(fix(T))
    r.ticks(T, T + 200)
    assert [a.ts for a in r.raised] == [T + 90]
    assert "1.5 分钟" in r.raised[0].message and "truck-07" in r.raised[0].message
    assert r.book.events[0].grid is None


def test_a_resent_old_fix_is_no_sign_of_life_but_a_late_one_from_the_gap_is() -> None:
    r = runner()
    r.fix(fix(T))
    r.ticks(T, T + 310)
    r.fix(fix(T))  # the same fix again (a device resending its buffer)
    assert r.cleared == [] and len(r.book.open) == 1
    r.fix(fix(T + 120))  # a late fix shows it was heard after all
    assert [a.cleared_ts for a in r.cleared] == [T + 300]  # never before the alert itself
    r.ticks(T + 311, T + 500)
    assert [a.ts for a in r.raised] == [T + 300, T + 420]
