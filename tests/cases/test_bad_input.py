"""Bad input per issue 15: 415, 413, 422 with the reason, 403, 404 — and nothing half-written."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.cases.conftest import (
    DISPATCHER,
    INSPECTOR,
    OPERATOR,
    PUBLIC,
    SANITATION,
    SUPERVISOR,
)
from tests.cases.kit import OUTSIDE, act, call, png, report, upload
from tests.serverkit import RunningServer


async def test_photo_that_is_not_an_image_is_415(srv: RunningServer) -> None:
    for data in (b"%PDF-1.4 not a photo", b"GIF89a" + b"\0" * 100,
                 b"\xff\xd8\xff" + b"broken jpeg" * 10):
        status, body = await call(srv, INSPECTOR, "POST", "/api/v1/cases/photos", data=data,
                                  content_type="image/jpeg")
        assert status == 415, body
        assert "JPEG or PNG" in body["error"]


async def test_photo_too_large_is_413(srv: RunningServer) -> None:
    limit = srv.server.cfg.cases.photo_max_bytes
    status, body = await call(srv, INSPECTOR, "POST", "/api/v1/cases/photos",
                              data=png(0) + b"\0" * limit, content_type="image/png")
    assert status == 413 and str(limit) in body["error"]


async def test_bad_reports_are_422_with_the_reason_and_write_nothing(
        srv: RunningServer) -> None:
    sha = await upload(srv, INSPECTOR, png(3))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"class": "E9999"}, "class"),
        ({"class": "E0102", "lon": OUTSIDE[0], "lat": OUTSIDE[1]}, "location"),
        ({"class": "E0102", "photos": ["0" * 64]}, "photos"),
        ({"class": "E0102", "photos": ["../../etc/passwd"]}, "photos"),
        ({"class": "E0102", "component": "1234567890123456"}, "component"),
        ({"class": "E0102", "lon": "east"}, "lon"),
        ({"class": "E0102", "colour": "red"}, "colour"),
    ]
    for extra, field in cases:
        body = {"lon": 116.897648, "lat": 36.616138, "photos": [sha], **extra}
        status, answer = await call(srv, INSPECTOR, "POST", "/api/v1/cases", body)
        assert status == 422, (extra, answer)
        assert answer["field"].startswith(field), answer
    status, listed = await call(srv, SUPERVISOR, "GET", "/api/v1/cases")
    assert listed["total"] == 0


async def test_not_json_is_400_and_wrong_type_415(srv: RunningServer) -> None:
    status, _ = await call(srv, INSPECTOR, "POST", "/api/v1/cases", data=b"{not json",
                           content_type="application/json")
    assert status == 400
    status, _ = await call(srv, INSPECTOR, "POST", "/api/v1/cases", data=b"class=E0102",
                           content_type="application/x-www-form-urlencoded")
    assert status == 415


async def test_roles_that_may_not_are_403(srv: RunningServer) -> None:
    status, _ = await call(srv, PUBLIC, "GET", "/api/v1/cases")
    assert status == 403
    status, _ = await call(srv, SUPERVISOR, "POST", "/api/v1/cases",
                           {"class": "E0102", "lon": 116.897648, "lat": 36.616138})
    assert status == 403
    status, _ = await call(srv, INSPECTOR, "POST", "/api/v1/cases",
                           {"class": "E0102", "lon": 116.897648, "lat": 36.616138,
                            "source": "hotline"})
    assert status == 403
    case = await report(srv, INSPECTOR)
    status, _ = await act(srv, SANITATION, case, "accept")
    assert status == 403
    status, _ = await act(srv, SUPERVISOR, case, "accept")
    assert status == 403
    status, _ = await call(srv, "not-a-token-at-all", "GET", "/api/v1/cases")
    assert status == 401


async def test_missing_case_is_404(srv: RunningServer) -> None:
    status, _ = await call(srv, SUPERVISOR, "GET", "/api/v1/cases/424242")
    assert status == 404
    status, _ = await call(srv, OPERATOR, "POST", "/api/v1/cases/424242/actions",
                           {"action": "accept", "version": 1})
    assert status == 404


async def test_a_refused_action_leaves_no_trace(srv: RunningServer) -> None:
    case = await report(srv, INSPECTOR)
    for token, action in ((OPERATOR, "accept"), (OPERATOR, "open"), (DISPATCHER, "dispatch")):
        status, case = await act(srv, token, case, action)
    # handle with a photo that was never uploaded: 422, and neither state, log nor photo moved
    status, body = await act(srv, SANITATION, case, "handle", photos=["a" * 64])
    assert status == 422 and body["field"] == "photos"
    status, body = await act(srv, SANITATION, case, "handle")  # no photo at all
    assert status == 422
    status, body = await act(srv, OPERATOR, case, "park")  # 挂账 needs a reason
    assert status == 422 and body["field"] == "reason"
    status, full = await call(srv, SUPERVISOR, "GET", f"/api/v1/cases/{case['id']}")
    assert full["state"] == "dispatched" and full["version"] == case["version"]
    assert len(full["log"]) == 4 and full["photos"] == []


async def test_stale_version_is_409(srv: RunningServer) -> None:
    case = await report(srv, INSPECTOR)
    status, moved = await act(srv, OPERATOR, case, "accept")
    assert status == 200 and moved["version"] == 2
    status, body = await act(srv, OPERATOR, case, "void", reason="x")  # version 1, now 2
    assert status == 409 and body["version"] == 2 and "void" in body["allowed"]


async def test_exif_is_read_then_stripped_from_the_public_copy(srv: RunningServer) -> None:
    img = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x0132] = "2026:12:05 10:11:12"
    gps = {1: "N", 2: (36.0, 36.0, 58.0), 3: "E", 4: (116.0, 53.0, 51.5)}
    exif[0x8825] = gps
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    status, photo = await call(srv, INSPECTOR, "POST", "/api/v1/cases/photos",
                               data=out.getvalue(), content_type="image/jpeg")
    assert status == 201, photo
    assert photo["exif_lat"] is not None and abs(photo["exif_lat"] - 36.616111) < 1e-4
    assert abs(photo["exif_lon"] - 116.897639) < 1e-4
    assert photo["taken_ts"] is not None
    async_status, public = await _get_bytes(srv, photo["url"])
    assert async_status == 200
    with Image.open(io.BytesIO(public)) as served:
        assert dict(served.getexif()) == {}
    status, _ = await call(srv, INSPECTOR, "GET", "/api/v1/cases/photos/..%2F..%2Fetc")
    assert status == 404


async def _get_bytes(srv: RunningServer, path: str) -> tuple[int, bytes]:
    import aiohttp
    async with aiohttp.ClientSession(srv.base) as http, http.get(
            path, headers={"Authorization": f"Bearer {INSPECTOR}"}) as resp:
        return resp.status, await resp.read()
