"""The 部件 inventory: loaded whole or not at all, drawn from GeoJSON, routing to the owner."""

from __future__ import annotations

from typing import Any

from tests.cases.conftest import ADMIN, DISPATCHER, INSPECTOR, OPERATOR, SUPERVISOR
from tests.cases.kit import IN_CITY, OUTSIDE, act, call, report


def component(code: str, lon: float, lat: float, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"code": code, "owner": "water", "maintainer": "municipal", **props}}


LID = "3701020101000001"  # district 370102, 大类 01, 小类 01 (上水井盖), serial 000001
LAMP = "3701020110000002"  # 小类 10 (路灯)


async def test_inventory_load_draw_and_route(srv: Any) -> None:
    doc = {"type": "FeatureCollection", "features": [
        component(LID, *IN_CITY, name="上水井盖 #1"),
        component(LAMP, IN_CITY[0] + 0.0002, IN_CITY[1], owner="streetlight",
                  maintainer="streetlight", state="damaged")]}
    status, body = await call(srv, OPERATOR, "POST", "/api/v1/cases/inventory", doc)
    assert status == 403
    status, body = await call(srv, ADMIN, "POST", "/api/v1/cases/inventory", doc)
    assert (status, body) == (200, {"loaded": 2})
    status, drawn = await call(srv, SUPERVISOR, "GET", "/api/v1/cases/inventory")
    assert status == 200 and [f["properties"]["code"] for f in drawn["features"]] == [LID, LAMP]
    lamp = drawn["features"][1]["properties"]
    assert (lamp["class_code"], lamp["owner"], lamp["state"], lamp["grid"]) == \
        ("C0110", "streetlight", "damaged", "g1")
    box = f"{IN_CITY[0] - 0.0001},{IN_CITY[1] - 0.0001},{IN_CITY[0] + 0.0001},{IN_CITY[1] + 0.0001}"
    status, near = await call(srv, SUPERVISOR, "GET", f"/api/v1/cases/inventory?bbox={box}")
    assert [f["properties"]["code"] for f in near["features"]] == [LID]
    # a case on the lamp goes to its owner, whatever the class rules say
    case = await report(srv, INSPECTOR, **{"class": "C0110", "component": LAMP})
    assert case["suggested_department"] == "streetlight"
    for token, action in ((OPERATOR, "accept"), (OPERATOR, "open"), (DISPATCHER, "dispatch")):
        status, case = await act(srv, token, case, action)
    assert case["department"] == "streetlight"


async def test_a_bad_inventory_loads_nothing(srv: Any) -> None:
    doc = {"type": "FeatureCollection", "features": [
        component(LID, *IN_CITY),
        component("12345", *IN_CITY),  # not 16 digits
        component("3701029901000003", *IN_CITY),  # no 部件 class C9901
        component("3701020101000004", *OUTSIDE),  # outside the city
        component("3701020101000005", *IN_CITY, owner="nobody"),
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": []}},
    ]}
    status, body = await call(srv, ADMIN, "POST", "/api/v1/cases/inventory", doc)
    assert status == 422 and [r["feature"] for r in body["refused"]] == [1, 2, 3, 4, 5]
    assert "outside the city" in body["refused"][2]["reason"]
    status, drawn = await call(srv, SUPERVISOR, "GET", "/api/v1/cases/inventory")
    assert drawn["features"] == []
    status, body = await call(srv, ADMIN, "POST", "/api/v1/cases/inventory", {"type": "x"})
    assert status == 422
    status, body = await call(srv, SUPERVISOR, "GET", "/api/v1/cases/inventory?bbox=1,2")
    assert status == 422 and body["field"] == "bbox"
