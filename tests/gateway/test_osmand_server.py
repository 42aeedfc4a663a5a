"""The OsmAnd listener over real HTTP on loopback, as Traccar Client and OsmAnd talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from config.protocols import OsmandConfig
from gateway.osmand_server import OsmandServer
from model.clock import ManualClock
from model.position import Position
from model.timewindow import TimeWindow
from tests.gateway.helpers import assert_sane_position

NOW = 1_750_000_000.0
# The captured reports below carry times from 2023 to 2025: a window around them, years wide.
WINDOW = TimeWindow(ManualClock(NOW), 300, 3650, wall=ManualClock(NOW))


class Collect:
    def __init__(self) -> None:
        self.positions: list[Position] = []
        self.fail = False

    async def __call__(self, positions: list[Position]) -> None:
        if self.fail:
            raise RuntimeError("pipeline full")
        self.positions.extend(positions)


@pytest.fixture
def sink() -> Collect:
    return Collect()


async def started(sink: Collect, **cfg: object) -> OsmandServer:
    srv = OsmandServer(OsmandConfig(port=0, **cfg), sink,
                       known=lambda d: d in ("insp-1", "insp-2"),
                       clock=ManualClock(NOW), window=WINDOW)
    await srv.start()
    return srv


@pytest.fixture
async def server(sink: Collect) -> AsyncIterator[OsmandServer]:
    srv = await started(sink)
    yield srv
    await srv.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def base(srv: OsmandServer) -> str:
    return f"http://127.0.0.1:{srv.port}"


async def test_get_query_as_osmand_sends_it(server: OsmandServer, sink: Collect,
                                            http: aiohttp.ClientSession) -> None:
    url = base(server) + "/?id=insp-1&lat=30.6598&lon=104.0633&timestamp=1700000000&speed=10" \
        "&bearing=90&accuracy=8&batt=55"
    async with http.get(url) as resp:
        assert resp.status == 200
    [pos] = sink.positions
    assert_sane_position(pos)
    assert (pos.device, pos.lat, pos.lon, pos.ts, pos.heading, pos.acc) == (
        "insp-1", 30.6598, 104.0633, 1700000000.0, 90.0, 8.0)
    assert pos.speed == pytest.approx(5.14444, rel=1e-4)
    assert pos.attrs == {"battery": 55.0, "protocol": "osmand"}


async def test_post_form_and_query_without_time(server: OsmandServer, sink: Collect,
                                                http: aiohttp.ClientSession) -> None:
    # Traccar Client posts its parameters in the URL with an empty body; others post a form.
    async with http.post(base(server) + "/?deviceid=insp-2&lat=1&lon=2") as resp:
        assert resp.status == 200
    async with http.post(base(server) + "/",
                         data={"id": "insp-1", "location": "3.5,4.5",
                               "timestamp": "2024-05-01 08:00:00"}) as resp:
        assert resp.status == 200
    first, second = sink.positions
    assert first.ts == 1_750_000_000.0  # the server clock stands in for a missing time
    assert (second.lat, second.lon, second.ts) == (3.5, 4.5, 1714550400.0)


async def test_post_json_body(server: OsmandServer, sink: Collect,
                              http: aiohttp.ClientSession) -> None:
    body = {"device_id": "insp-2", "location": {
        "timestamp": "2025-06-15T13:45:12.862Z", "is_moving": False,
        "coords": {"latitude": 37.4219983, "longitude": -122.084, "accuracy": 5, "speed": 0,
                   "heading": -1, "altitude": 5}, "battery": {"level": 1}}}
    async with http.post(base(server), json=body) as resp:
        assert resp.status == 200
    [pos] = sink.positions
    assert (pos.device, pos.lat, pos.lon, pos.heading) == ("insp-2", 37.4219983, -122.084, None)
    assert pos.ts == pytest.approx(1749995112.862)


async def test_bad_input_400_with_reason_unknown_device_404(
        server: OsmandServer, sink: Collect, http: aiohttp.ClientSession) -> None:
    async with http.get(base(server) + "/?id=insp-1&lat=95&lon=2") as resp:
        assert resp.status == 400 and "lat 95 out of range" in await resp.text()
    async with http.get(base(server) + "/") as resp:
        assert resp.status == 400 and "no parameters" in await resp.text()
    async with http.post(base(server), data=b"{not json",
                         headers={"Content-Type": "application/json"}) as resp:
        assert resp.status == 400 and "malformed JSON" in await resp.text()
    async with http.get(base(server) + "/?id=stranger&lat=1&lon=2") as resp:
        assert resp.status == 404 and "stranger" in await resp.text()
    assert sink.positions == []
    assert (server.counts["bad_requests"], server.counts["unknown_device"],
            server.counts["requests"]) == (3, 1, 4)


async def test_invalid_fix_taken_but_not_tracked(server: OsmandServer, sink: Collect,
                                                 http: aiohttp.ClientSession) -> None:
    async with http.get(base(server) + "/?id=insp-1&lat=0&lon=0&valid=false") as resp:
        assert resp.status == 200
    assert sink.positions == [] and server.counts["unfixed"] == 1


async def test_sink_failure_is_503_so_the_app_retries(server: OsmandServer, sink: Collect,
                                                      http: aiohttp.ClientSession) -> None:
    sink.fail = True
    async with http.get(base(server) + "/?id=insp-1&lat=1&lon=2") as resp:
        assert resp.status == 503
    assert server.counts["sink_failures"] == 1


async def test_unknown_ids_need_the_tracker_to_know_them(sink: Collect,
                                                         http: aiohttp.ClientSession) -> None:
    """auto_register alone no longer acknowledges what the tracker would drop: the listener
    asks the tracker's registry (which registers unknown ids only with [devices]
    auto_register, a config that the start-up check makes consistent)."""
    srv = await started(sink, auto_register=True)
    try:
        async with http.get(base(srv) + "/?id=phone-99&lat=1&lon=2") as resp:
            assert resp.status == 404
        assert sink.positions == []
    finally:
        await srv.stop()


async def test_oversized_body_refused(sink: Collect, http: aiohttp.ClientSession) -> None:
    srv = await started(sink, max_body_bytes=1024)
    try:
        async with http.post(base(srv), data=b"id=insp-1&x=" + b"a" * 5000) as resp:
            assert resp.status == 413
        assert sink.positions == []
    finally:
        await srv.stop()
