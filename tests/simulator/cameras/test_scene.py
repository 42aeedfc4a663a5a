import aiohttp
import cv2
import numpy as np
from aiohttp import web
from aiohttp.test_utils import TestServer

from simulator.cameras.pusher import push
from simulator.cameras.scene import Scene


def test_scene_is_reproducible_with_truth() -> None:
    a, b = Scene.make(27, 320, 180), Scene.make(27, 320, 180)
    assert a.truth() == b.truth()
    fa, fb = list(a.frames()), list(b.frames())
    assert [t for t, _ in fa] == [t for t, _ in fb]
    assert fa[10][1] == fb[10][1]
    spill = a.truth()["spills"][0]
    assert spill["kind"] in ("lump", "trail", "wet") and spill["first_ts"] <= spill["last_ts"]


def test_material_stays_where_truth_says() -> None:
    sc = Scene.make(27, 640, 360, spill=True)
    spill = sc.truth()["spills"][0]
    frames = list(sc.frames())
    before = next(j for t, j in frames if t < spill["first_ts"] - 1.0 and t > 1.0)
    after = frames[-1][1]
    x, y, w, h = spill["box"]
    x, y = max(0, x), max(0, y)
    dec = [decode(j)[y:y + h, x:x + w] for j in (before, after)]
    assert np.abs(dec[0].astype(int) - dec[1].astype(int)).mean() > 8


def test_low_contrast_material_differs_in_colour_not_brightness() -> None:
    """The truth's gap and ΔE are what was drawn: a low-contrast lump is within a few grey
    levels of the road and clearly apart in Lab."""
    sc = Scene.make(12, 640, 360)  # muddy water 3 grey levels from the road
    spill = sc.truth()["spills"][0]
    assert spill["gap"] < 15 and 10 <= spill["delta_e"] <= 31
    frames = list(sc.frames())
    before = next(j for t, j in frames if t < spill["first_ts"] - 1.0 and t > 1.0)
    x, y, w, h = spill["box"]
    cx, cy = x + w // 2, y + h // 2
    old, new = (decode(j, cv2.IMREAD_COLOR)[cy - 2:cy + 3, cx - 2:cx + 3].reshape(-1, 3)
                .mean(axis=0) for j in (before, frames[-1][1]))
    lab = [cv2.cvtColor(np.array([[c]], np.uint8), cv2.COLOR_BGR2Lab)[0, 0].astype(float)
           for c in (old, new)]
    assert abs(float(new @ [0.114, 0.587, 0.299]) - float(old @ [0.114, 0.587, 0.299])) < 15
    assert np.hypot(lab[0][1] - lab[1][1], lab[0][2] - lab[1][2]) > 4  # 8-bit Lab: a*, b*


def decode(jpeg: bytes, flags: int = cv2.IMREAD_GRAYSCALE) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), flags)
    assert img is not None
    return img


def test_scenes_vary() -> None:
    truths = [Scene.make(s, 320, 180).truth() for s in range(40)]
    assert 10 <= sum(bool(t["spills"]) for t in truths) <= 32
    spills = [t["spills"][0] for t in truths if t["spills"]]
    assert {s["kind"] for s in spills} == {"lump", "trail", "wet"}
    assert any(s["gap"] < 15 for s in spills) and any(s["gap"] >= 15 for s in spills)
    assert {True, False} == {s["textured"] for s in spills}
    distractors = {d for t in truths for d in t["distractors"]}
    assert {"parked", "person", "bag", "shadow", "cloud", "tree", "light", "flicker", "lowlight",
            "headlights", "shake"} <= distractors


async def test_pusher_posts_jpeg_with_time_and_token() -> None:
    seen: list[tuple[str, str, str, int]] = []

    async def frames(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append((request.match_info["cam"], request.headers["Authorization"],
                     request.headers["X-Frame-Time"], len(body)))
        return web.json_response({"ok": True}, status=202 if len(seen) < 5 else 415)

    app = web.Application()
    app.router.add_post("/api/v1/cameras/{cam}/frames", frames)
    async with TestServer(app) as server:
        sc = Scene.make(3, 320, 180, start_ts=1.7e9)
        async with aiohttp.ClientSession() as session:
            res = await push(session, str(server.make_url("/")), "cam-9", "tok",
                             list(sc.frames())[:6], speed=0)
    assert res.sent == 4 and res.refused == 2
    assert seen[0][:2] == ("cam-9", "Bearer tok")
    assert float(seen[0][2]) == 1.7e9 and seen[0][3] > 1000
