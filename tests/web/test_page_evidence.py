"""A camera's drill-down in the browser: evidence frames, clip, tampering shown."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.geofence.citykit import camera, default_grids, road, write_city
from tests.serverkit import running_server
from tests.web.pagekit import DATA_CLOCK, T0, chromium, get, open_live, shot, until
from video.evidence import EvidenceRequest, new_id
from video.evidence import write as write_evidence


def jpeg(k: int) -> bytes:
    """A 320x240 frame with a grey block that moves right by 20 px a frame."""
    img = np.full((240, 320, 3), 40, np.uint8)
    cv2.rectangle(img, (20 + 20 * k, 100), (80 + 20 * k, 150), (200, 200, 200), -1)
    ok, data = cv2.imencode(".jpg", img)
    assert ok
    return data.tobytes()


async def test_camera_drill_down_shows_evidence_and_flags_tampering(tmp_path: Path) -> None:
    folder = write_city(tmp_path / "city", roads=[road("r1", (0, 0), (300, 0), grid="g1")],
                        grids=default_grids(), cameras=[camera("cam1", 150, 10, road="r1")])
    request = EvidenceRequest("cam1", "spill", T0 + 3, [(T0 + k * 0.5, jpeg(k)) for k in range(8)],
                              vehicle_box=[60, 90, 160, 160], vehicle_ts=T0 + 1,
                              material_box=[100, 120, 140, 150])
    async with running_server(tmp_path, folder, **DATA_CLOCK) as srv, chromium() as browser:
        root = tmp_path / "data" / "evidence"
        evidence_id = new_id("cam1", T0 + 3)
        write_evidence(root, evidence_id, request)
        page = await open_live(browser, srv)
        await page.fill("#search", "cam")
        await page.click("#search-results li:has-text('cam cam1')")
        item = page.locator(".evidence-list li").first
        await item.click()
        await page.wait_for_selector(".evidence-view .intact")
        frame = page.locator(".evidence-view img.frame")
        await until(page, "() => document.querySelector('.evidence-view img.frame')?.naturalWidth")
        first = await frame.get_attribute("src")
        assert first is not None and first.startswith("blob:")
        await page.locator(".frame-slider").evaluate(
            "(s) => { s.value = '7'; s.dispatchEvent(new Event('input')); }")
        await until(page, "(src) => document.querySelector('.evidence-view img.frame')?.src !== src"
                    " && document.querySelector('.evidence-view img.frame')?.naturalWidth", first)
        assert "8/8" in await page.inner_text(".evidence-view .row")
        manifest = await get(srv, f"/api/v1/evidence/{evidence_id}")
        if "clip.mp4" in manifest["files"]:
            assert await page.locator(".evidence-view a[download]").count() == 1
        await shot(page, "camera-evidence")

        (root / evidence_id / "frames" / "000000.jpg").write_bytes(jpeg(5))
        await item.click()
        await page.wait_for_selector(".evidence-view .tampered")
