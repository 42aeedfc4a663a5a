"""The Cases and Evaluation tabs end to end: the real server (case loop on SQLite) in-process,
real headless Chromium. Cases are reported and moved over the HTTP API by the other roles, as
handsets and other desks do, and the page shows them live."""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, FilePayload, Page

from cases.assemble import CasesPart
from model.alert import Alert
from model.events import AlertEvent
from tests.cases.conftest import (
    CASE_TOKENS,
    DISPATCHER,
    ENFORCEMENT,
    INSPECTOR,
    INSPECTOR_B,
    OPERATOR,
    SANITATION,
    SUPERVISOR,
)
from tests.cases.kit import act, call, png, report, send, stand, upload
from tests.serverkit import RunningServer, running_server
from tests.web.pagekit import chromium, new_page, shot, until
from tests.web.test_page_evidence import jpeg
from video.evidence import EvidenceRequest, new_id
from video.evidence import write as write_evidence
from video.signing import key_path, load_or_create

OTHER_OPERATOR = "operator-token-0002"
TOKENS = {**CASE_TOKENS, OTHER_OPERATOR: "operator"}


def spill_request(camera: str, ts: float) -> EvidenceRequest:
    return EvidenceRequest(camera, "spill", ts, [(ts - 3 + k * 0.5, jpeg(k)) for k in range(8)],
                           vehicle_box=[60, 90, 160, 160], vehicle_ts=ts - 2,
                           material_box=[100, 120, 140, 150])


async def open_desk(browser: Browser, srv: RunningServer, token: str,
                    lang: str | None = None) -> Page:
    """The page logged in with a case-desk token, its case list loaded and live."""
    page = await new_page(browser, lang)
    await page.goto(f"{srv.base}/?token={token}")
    await page.wait_for_selector("#conn.state-live")
    await until(page, "() => window.gridwatch && window.gridwatch.casesReady"
                      ".then((ok) => ok && window.gridwatch.cases.data !== undefined)")
    return page


async def moved(srv: RunningServer, case: dict[str, Any], *steps: tuple[str, str]
                ) -> dict[str, Any]:
    for token, action in steps:
        status, case = await act(srv, token, case, action)
        assert status == 200, case
    return case


async def dispatched(srv: RunningServer, cls: str = "E0102") -> dict[str, Any]:
    """A case reported by an inspector, accepted, opened and dispatched to its department."""
    case = await report(srv, INSPECTOR, **{"class": cls})
    return await moved(srv, case, (OPERATOR, "accept"), (OPERATOR, "open"),
                       (DISPATCHER, "dispatch"))


async def closed(srv: RunningServer, department: str, n: int) -> dict[str, Any]:
    case = await dispatched(srv)
    status, case = await act(srv, department, case, "handle",
                             photos=[await upload(srv, department, png(n))])
    assert status == 200, case
    status, case = await act(srv, INSPECTOR_B, case, "check", passed=True)
    assert status == 200, case
    return await moved(srv, case, (OPERATOR, "close"))


def read_csv(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Chinese headers right
    return list(csv.reader(io.StringIO(text[1:])))


async def test_operator_sees_a_report_live_acts_and_loses_a_race(tmp_path: Path) -> None:
    async with running_server(tmp_path, tokens=TOKENS) as srv, chromium() as browser:
        page = await open_desk(browser, srv, OPERATOR)
        # The desk sees cases only: no patrol tabs, the Cases tab open on its queue (上报).
        assert await page.is_visible("#panel-cases.active")
        assert not await page.is_visible("[data-tab=alerts]")
        assert await page.is_visible("[data-tab=eval]")
        assert await page.get_attribute("#case-queues .queue.active", "data-state") == "reported"
        assert await page.inner_text("#case-queues .queue.active .n") == "0"
        case = await report(srv, INSPECTOR, description="<img src=x onerror=alert(1)>")
        row = page.locator(f"#case-list li[data-id='{case['id']}']")
        await row.wait_for(timeout=5000)  # over /ws/live, no reload
        assert await page.inner_text("#case-queues .queue.active .n") == "1"
        await row.click()
        await page.wait_for_selector("#case-detail:not([hidden]) #case-state")
        assert await page.inner_text("#case-state") == "上报"
        assert "<img src=x onerror=alert(1)>" in await page.inner_text("#case-detail")
        buttons = await page.locator("#case-actions button.action").all_inner_texts()
        assert buttons == ["受理", "作废"]  # the operator's actions on a reported case
        await page.click("#case-actions [data-action=accept]")
        await until(page, "() => document.getElementById('case-state').textContent === '受理'")
        await page.click("#case-actions [data-action=open]")
        await until(page, "() => document.getElementById('case-state').textContent === '立案'")
        log = await page.locator("#case-log li").evaluate_all(
            "(items) => items.map((li) => li.dataset.action)")
        assert log == ["report", "accept", "open"]
        assert await page.inner_text(".clock-badge") == "正常"  # 立案 starts the clock: green
        # A dispatcher's move arrives live: the open case follows it.
        status, case = await act(srv, DISPATCHER, {**case, "version": 3}, "dispatch")
        assert status == 200, case
        await until(page, "() => document.getElementById('case-state').textContent === '派遣'")
        assert await page.locator("#case-actions [data-action=park]").count() == 1
        # Another operator acts first while this display has not heard of it yet: 409, said
        # plainly, and the case shown as it is now.
        await page.evaluate("window.gridwatch.live.stop()")
        status, parked = await act(srv, OTHER_OPERATOR, case, "park", reason="等待施工")
        assert status == 200, parked
        await page.click("#case-actions [data-action=park]")
        await page.fill("#case-actions input[name=reason]", "我也挂账")
        await page.click("#action-submit")
        await page.wait_for_selector("#case-conflict")
        conflict = await page.inner_text("#case-conflict")
        assert "他人" in conflict and "挂账" in conflict and str(parked["version"]) in conflict
        await until(page, "() => document.getElementById('case-state').textContent === '挂账'")
        assert await page.locator("#case-actions [data-action=unpark]").count() == 1
        await shot(page, "case-conflict")
        await page.click("#lang")
        await until(page, "() => document.getElementById('case-state').textContent === 'Parked'")
        assert await page.inner_text("#case-actions [data-action=unpark]") == "Unpark"
        assert await page.inner_text("[data-tab=cases]") == "Cases"
        assert await page.inner_text("[data-tab=eval]") == "Evaluation"
        await shot(page, "case-detail-en")
        assert page.errors == []  # type: ignore[attr-defined]


async def test_operator_enters_a_hotline_call_on_the_map(tmp_path: Path) -> None:
    async with running_server(tmp_path, tokens=TOKENS) as srv, chromium() as browser:
        page = await open_desk(browser, srv, OPERATOR)
        await page.click("#case-new")
        await page.select_option("#case-entry select[name=class]", "E0104")
        await page.click("#entry-submit")  # no place yet: it asks for one, nothing is sent
        assert "地图" in await page.inner_text("#toast")
        spot = await page.evaluate("""() => {
            const map = window.gridwatch.map; const at = map.roadMiddle('g1-m01');
            const p = map.map.latLngToContainerPoint(at);
            const box = document.getElementById('map').getBoundingClientRect();
            return {x: box.left + p.x, y: box.top + p.y};
        }""")
        await page.mouse.click(spot["x"], spot["y"])
        await page.fill("#case-entry input[name=description]", "井盖旁积水")
        await page.fill("#case-entry input[name=caller]", "12319 王先生")
        await page.click("#entry-submit")
        await page.wait_for_selector("#case-detail:not([hidden]) #case-state")
        assert await page.inner_text("#case-state") == "上报"
        status, listed = await call(srv, OPERATOR, "GET", "/api/v1/cases?source=hotline")
        assert status == 200 and listed["total"] == 1
        case = listed["cases"][0]
        assert (case["class"], case["road"], case["description"]) == ("E0104", "g1-m01",
                                                                      "井盖旁积水")
        assert page.errors == []  # type: ignore[attr-defined]


async def test_a_department_sees_only_its_inbox(tmp_path: Path) -> None:
    async with running_server(tmp_path, tokens=TOKENS) as srv, chromium() as browser:
        mine = await dispatched(srv)  # E0102 exposed rubbish: sanitation
        theirs = await dispatched(srv, "E0101")  # enforcement's
        assert (mine["department"], theirs["department"]) == ("sanitation", "enforcement")
        page = await open_desk(browser, srv, SANITATION)
        assert "部门收件箱" in await page.inner_text("#case-title")
        assert "环境卫生管理处" in await page.inner_text("#case-title")
        ids = await page.locator("#case-list li").evaluate_all(
            "(items) => items.map((li) => Number(li.dataset.id))")
        assert ids == [mine["id"]]
        # Later cases: enforcement's never shows, sanitation's arrives live.
        other = await dispatched(srv, "E0101")
        again = await dispatched(srv)
        await page.locator(f"#case-list li[data-id='{again['id']}']").wait_for(timeout=5000)
        ids = await page.locator("#case-list li").evaluate_all(
            "(items) => items.map((li) => Number(li.dataset.id))")
        assert sorted(ids) == sorted([mine["id"], again["id"]]) and other["id"] not in ids
        # Returning a case needs a reason: without one the server's 422 is shown, nothing moves.
        await page.click(f"#case-list li[data-id='{mine['id']}']")
        await page.click("#case-actions [data-action=return]")
        await page.click("#action-submit")
        await page.wait_for_selector("#toast:not([hidden])")
        assert "操作被拒绝" in await page.inner_text("#toast")
        assert await page.inner_text("#case-state") == "派遣"
        await page.click("#case-back")
        # Handling needs a photo: chosen in the form, uploaded, then the action lands.
        await page.click(f"#case-list li[data-id='{mine['id']}']")
        await page.click("#case-actions [data-action=handle]")
        photo: FilePayload = {"name": "done.png", "mimeType": "image/png", "buffer": png(9)}
        await page.set_input_files("#case-actions input[name=photo]", files=[photo])
        await page.click("#action-submit")
        await until(page, "() => document.getElementById('case-state').textContent === '处置'")
        await page.wait_for_selector("#case-detail .case-photos img")
        handled = page.locator("#case-log li[data-action=handle] .photos-n")
        assert await handled.inner_text() == "照片 1"
        # Another department's case by its address: the server says no such case.
        status, _ = await act(srv, SANITATION, theirs, "handle")
        assert status == 404
        assert page.errors == []  # type: ignore[attr-defined]


async def test_evaluation_ranks_departments_after_closed_cases(tmp_path: Path) -> None:
    async with running_server(tmp_path, tokens=TOKENS) as srv, chromium() as browser:
        for n in range(2):
            await closed(srv, SANITATION, n)
        late = await dispatched(srv, "E0101")
        status, late = await act(srv, ENFORCEMENT, late, "handle",
                                 photos=[await upload(srv, ENFORCEMENT, png(7))])
        assert status == 200
        status, late = await act(srv, INSPECTOR_B, late, "check", passed=False)
        assert status == 200
        status, late = await act(srv, OPERATOR, late, "rework", reason="未清理干净")
        assert status == 200, late  # back to enforcement, reworked: it ranks below sanitation
        page = await new_page(browser)
        await page.goto(f"{srv.base}/?token={SUPERVISOR}")
        await until(page, "() => window.gridwatch && window.gridwatch.casesReady")
        await page.click("[data-tab=eval]")
        row = page.locator("#e-table tr[data-id='sanitation']")
        await row.wait_for(timeout=5000)
        assert await row.get_attribute("data-rank") == "1"
        headers = await page.locator("#e-table th").all_inner_texts()
        assert headers[:3] == ["名称", "立案数", "应结案数"] and "综合指标值" in headers
        assert await page.locator("#e-chart svg rect").count() >= 1
        async with page.expect_download() as info:
            await page.click("#e-csv")
        table = read_csv(Path(await (await info.value).path()))
        assert table[0][:2] == ["编号 / id", "名称 / name"]
        assert any(r[0] == "sanitation" for r in table[1:])
        async with page.context.expect_page() as popup:
            await page.click("#e-bulletin")
        bulletin = await popup.value
        await bulletin.wait_for_load_state()
        assert "月度考核" in await bulletin.title()
        await page.select_option("#e-period", "year")
        await until(page, "() => window.gridwatch.evaluation().data.period === 'year'")
        await page.select_option("#e-dimension", "inspector")
        await until(page, "() => window.gridwatch.evaluation().data.dimension === 'inspector'")
        assert await page.locator("#e-table tbody tr").count() >= 1
        await page.click("#lang")
        assert "Close rate" in await page.locator("#e-table th").all_inner_texts()
        await shot(page, "evaluation-en")
        assert page.errors == []  # type: ignore[attr-defined]


async def test_a_spill_case_shows_its_clip_and_vehicle(tmp_path: Path) -> None:
    async with running_server(tmp_path, tokens=TOKENS) as srv, chromium() as browser:
        root = tmp_path / "data" / "evidence"
        now = time.time() - 120
        ev_id = new_id("cam-01", now)
        write_evidence(root, ev_id, spill_request("cam-01", now), "h264",
                       load_or_create(key_path(root)))
        alert = Alert(f"spill:camera:cam-01:{now:.3f}", "spill", now, "critical",
                      {"camera": "cam-01"}, "摄像头 cam-01 发现车辆抛撒滴漏",
                      {"evidence": ev_id, "box": [100, 120, 140, 150], "vehicle_track": 1,
                       "vehicle_box": [60, 90, 160, 160]})
        srv.memory.fanout.publish_one(AlertEvent(alert))  # the spill opens its case itself
        parts = srv.server.parts.cases
        assert isinstance(parts, CasesPart)  # the case loop in the test's process
        await parts.service.drain()
        page = await open_desk(browser, srv, OPERATOR)
        await page.click("#case-list li[data-state=reported]")
        await page.wait_for_selector("#case-detail .evidence-view .intact")  # signature valid
        assert "抛洒滴漏" in await page.inner_text("#case-detail")
        await page.wait_for_selector("#case-detail .evidence-view img[alt='车辆']")
        await until(page, "() => document.querySelector('#case-detail video.clip')"
                          "?.readyState >= 2")
        await shot(page, "case-spill")
        assert page.errors == []  # type: ignore[attr-defined]


async def test_queue_colours_follow_the_time_limit(tmp_path: Path) -> None:
    """Green after 立案, yellow from 80 % of the dispatch limit, red past it: the server's data
    clock is moved by a handset's fixes and the overdue sweep tells the page."""
    zone = ZoneInfo("Asia/Shanghai")
    day = datetime.now(zone).date() - timedelta(days=4)
    t0 = datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone).timestamp()
    async with running_server(tmp_path, tokens=TOKENS, server={"clock": "data"},
                              patrol={"reorder_window_s": 0}) as srv, \
            chromium() as browser:
        here = (116.897648, 36.616138)
        await send(srv, stand("p-g1-a", *here, t0, 20))
        case = await moved(srv, await report(srv, INSPECTOR), (OPERATOR, "accept"),
                           (OPERATOR, "open"))
        warn, due = case["clock"]["warn_ts"], case["clock"]["due_ts"]
        assert case["clock"]["colour"] == "green" and t0 < warn < due
        page = await open_desk(browser, srv, OPERATOR)
        await page.click("#case-queues [data-state=opened]")
        row = page.locator(f"#case-list li[data-id='{case['id']}']")
        await row.wait_for()
        assert "c-green" in (await row.get_attribute("class") or "")
        parts = srv.server.parts.cases
        assert isinstance(parts, CasesPart)  # the case loop in the test's process
        last = t0
        for at, colour in ((warn + 60, "c-yellow"), (due + 60, "c-red")):
            await send(srv, stand("p-g1-a", *here, at, 0))
            assert await parts.service.sweep(last, at) == 1
            last = at
            await until(page, "([id, c]) => document.querySelector("
                              "`#case-list li[data-id='${id}']`)?.classList.contains(c)",
                        [case["id"], colour])
        late = page.locator("#case-queues [data-state=opened] .late")
        assert await late.inner_text() == "1"  # one past its limit in this queue
        await shot(page, "case-overdue")
        assert page.errors == []  # type: ignore[attr-defined]
