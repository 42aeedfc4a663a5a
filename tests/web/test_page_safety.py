"""The page's safety: device text is never markup, and no data is shown without a valid token."""

from __future__ import annotations

from pathlib import Path

from tests.geofence.citykit import ll
from tests.serverkit import DEVICE, SUPERVISOR, running_server
from tests.web.pagekit import DATA_CLOCK, T0, chromium, fix, new_page, post, shot, small_city, until

XSS = '<img src=x onerror="window.__pwned=1">'


async def test_device_names_are_text_never_markup(tmp_path: Path) -> None:
    cfg = {**DATA_CLOCK, "devices": {"inspectors": [XSS]}}
    async with running_server(tmp_path, small_city(tmp_path), **cfg) as srv, \
            chromium() as browser:
        page = await new_page(browser)
        requested: list[str] = []
        dialogs: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.on("dialog", lambda d: dialogs.append(d.message))
        await post(srv, [fix(XSS, T0, ll(0, 0))])
        await page.goto(f"{srv.base}/?token={SUPERVISOR}")
        await page.wait_for_selector("#conn.state-live")
        await post(srv, [fix(XSS, T0 + k, ll(10 * k, 0)) for k in range(1, 101)])
        await page.wait_for_selector("#alert-list li.alert")
        await page.fill("#search", "<img")
        await page.click("#search-results li")
        await page.wait_for_selector("#detail h2")
        assert XSS in await page.inner_text("#detail h2")
        assert XSS in await page.inner_text("#alert-list")
        await page.click("#replay-open")
        await page.wait_for_selector("#replay-bar:not([hidden])")
        assert await page.inner_text("#rp-who") == XSS
        await page.click("[data-tab=reports]")
        await page.wait_for_selector(f"#t-inspectors td:text-is('{XSS}')")
        assert await page.evaluate("window.__pwned") is None
        assert await page.locator("#main img").count() == 0
        assert not [u for u in requested if u.rstrip("/").endswith("/x")]
        assert dialogs == []
        await shot(page, "escaped-names")


async def test_no_data_without_a_valid_token(tmp_path: Path) -> None:
    async with running_server(tmp_path, small_city(tmp_path), **DATA_CLOCK) as srv, \
            chromium() as browser:
        await post(srv, [fix("dev-1", T0, ll(0, 0))])
        page = await new_page(browser)
        answered: list[tuple[str, int]] = []
        page.on("response", lambda r: answered.append((r.url, r.status)))
        await page.goto(srv.base + "/")
        await page.wait_for_selector("#login-form", state="visible")
        assert not [u for u, _ in answered if "/api/" in u or "/ws/" in u]
        assert "road r1" not in await page.content()
        await shot(page, "login")

        await page.goto(f"{srv.base}/?token=not-a-token")
        await page.wait_for_selector("#login-error:has-text('令牌无效')")
        assert "token" not in page.url
        assert all(status == 401 for u, status in answered if "/api/" in u)
        assert await page.evaluate("document.body.classList.contains('locked')")

        await page.goto(f"{srv.base}/?token={DEVICE}")
        await page.wait_for_selector("#login-error:has-text('没有监控权限')")
        assert await page.evaluate("sessionStorage.getItem('gridwatch.token')") is None

        await page.fill("#login-token", SUPERVISOR)
        await page.click("#login-form button")
        await page.wait_for_selector("#conn.state-live")
        await until(page, "() => window.gridwatch.markers.screenPosition('dev-1')")
        await page.click("#logout")
        await page.wait_for_selector("#login-form", state="visible")
        assert await page.evaluate("window.gridwatch") is None
