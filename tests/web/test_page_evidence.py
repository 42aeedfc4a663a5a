"""A camera's drill-down in the browser: the clip plays (H.264 and VP9), the original frames,
the signature check (valid, unsigned, modified with the file named)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from playwright.async_api import Page

from tests.geofence.citykit import camera, default_grids, road, write_city
from tests.serverkit import running_server
from tests.web.pagekit import DATA_CLOCK, T0, chromium, get, open_live, shot, until
from video.evidence import EvidenceRequest, new_id
from video.evidence import write as write_evidence
from video.signing import key_path, load_or_create


def jpeg(k: int) -> bytes:
    """A 320x240 frame with a grey block that moves right by 20 px a frame."""
    img = np.full((240, 320, 3), 40, np.uint8)
    cv2.rectangle(img, (20 + 20 * k, 100), (80 + 20 * k, 150), (200, 200, 200), -1)
    ok, data = cv2.imencode(".jpg", img)
    assert ok
    return data.tobytes()


def request(ts: float) -> EvidenceRequest:
    return EvidenceRequest("cam1", "spill", ts, [(ts - 3 + k * 0.5, jpeg(k)) for k in range(8)],
                           vehicle_box=[60, 90, 160, 160], vehicle_ts=ts - 2,
                           material_box=[100, 120, 140, 150])


async def open_evidence(page: Page, index: int, evidence_id: str) -> None:
    """Click the list's item and wait until the view shows it (until its fetch ends the view
    still shows the evidence opened before)."""
    await page.locator(".evidence-list li").nth(index).click()
    await page.wait_for_selector(f'.evidence-view[data-evidence="{evidence_id}"]')


async def clip_plays(page: Page) -> None:
    """The <video> has data for the current frame (readyState >= HAVE_CURRENT_DATA) and its
    time moves on."""
    sel = ".evidence-view video.clip"
    await until(page, f"() => document.querySelector('{sel}')?.readyState >= 2")
    start = await page.evaluate(f"() => document.querySelector('{sel}').currentTime")
    await until(page, f"(t) => document.querySelector('{sel}').currentTime !== t", start)
    assert await page.evaluate(f"() => document.querySelector('{sel}').error") is None


async def test_camera_drill_down_plays_clips_and_flags_tampering(tmp_path: Path) -> None:
    folder = write_city(tmp_path / "city", roads=[road("r1", (0, 0), (300, 0), grid="g1")],
                        grids=default_grids(), cameras=[camera("cam1", 150, 10, road="r1")])
    async with running_server(tmp_path, folder, **DATA_CLOCK) as srv, chromium() as browser:
        root = tmp_path / "data" / "evidence"
        key = load_or_create(key_path(root))  # the server made it at start: the same key
        # Newest first in the list: H.264 (signed), VP9 (signed), then an old unsigned one.
        ids = [new_id("cam1", T0 + 30), new_id("cam1", T0 + 20), new_id("cam1", T0 + 10)]
        write_evidence(root, ids[0], request(T0 + 30), "h264", key)
        write_evidence(root, ids[1], request(T0 + 20), "vp9", key)
        write_evidence(root, ids[2], request(T0 + 10), None, None)
        page = await open_live(browser, srv)
        await page.fill("#search", "cam")
        await page.click("#search-results li:has-text('cam cam1')")

        await open_evidence(page, 0, ids[0])
        await page.wait_for_selector(".evidence-view .intact")
        await clip_plays(page)
        assert await page.locator(".evidence-view a[download]").get_attribute(
            "download") == f"{ids[0]}.mp4"
        await shot(page, "camera-evidence")

        await open_evidence(page, 1, ids[1])
        await page.wait_for_selector(".evidence-view .intact")
        await clip_plays(page)

        # No clip: the original frames are the playback, open at once.
        await open_evidence(page, 2, ids[2])
        await page.wait_for_selector(".evidence-view .unsigned")
        assert await page.locator(".evidence-view video").count() == 0
        assert await page.locator(".evidence-view details.frames-box").get_attribute(
            "open") is not None
        frame = page.locator(".evidence-view img.frame")
        await until(page, "() => document.querySelector('.evidence-view img.frame')?.naturalWidth")
        first = await frame.get_attribute("src")
        assert first is not None and first.startswith("blob:")
        await page.locator(".frame-slider").evaluate(
            "(s) => { s.value = '7'; s.dispatchEvent(new Event('input')); }")
        await until(page, "(src) => document.querySelector('.evidence-view img.frame')?.src !== src"
                    " && document.querySelector('.evidence-view img.frame')?.naturalWidth", first)
        assert "8/8" in await page.inner_text(".evidence-view .row")

        (root / ids[0] / "frames" / "000003.jpg").write_bytes(jpeg(5))
        manifest = await get(srv, f"/api/v1/evidence/{ids[0]}")
        assert manifest["integrity"]["modified"] == ["frames/000003.jpg"]
        await open_evidence(page, 0, ids[0])
        await page.wait_for_selector(".evidence-view .tampered")
        assert await page.inner_text(".evidence-view .modified-files") == "frames/000003.jpg"
        await shot(page, "camera-evidence-tampered")
