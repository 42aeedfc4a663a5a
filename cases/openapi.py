"""The case loop's part of /api/v1/openapi.json (the shapes: docs/cases-api.md)."""

from __future__ import annotations

from typing import Any

_OBJ: dict[str, Any] = {"type": "object"}
_ERR = {"description": "Error (JSON: error, and field / state / allowed where they apply)"}


def _op(summary: str, role: str, codes: str = "", body: str | None = None,
        params: tuple[str, ...] = ()) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "OK", "content": {
        "application/json": {"schema": _OBJ}}}, "401": {"description": "No valid token"},
        "403": {"description": "Role may not"}}
    for code in codes.split():
        responses[code] = _ERR
    op: dict[str, Any] = {"summary": summary, "description": f"Role: {role}.",
                          "security": [{"bearer": []}], "responses": responses}
    if params:
        op["parameters"] = [{"name": p, "in": "path", "required": True,
                             "schema": {"type": "string"}} for p in params]
    if body:
        op["requestBody"] = {"required": True, "content": {body: {"schema": _OBJ}}}
    return op


READ = "inspector, operator, dispatcher, department (its own), supervisor, admin"
PATHS: dict[str, Any] = {
    "/api/v1/cases/catalog": {"get": _op("Classes, limits, departments, dispatch rules, the "
                                         "flow table", READ + ", public")},
    "/api/v1/cases/photos": {"post": _op("Upload a photo (JPEG or PNG); EXIF read, stripped "
                                         "from the public copy", "inspector, operator, "
                                         "dispatcher, department, admin", "413 415",
                                         "image/jpeg")},
    "/api/v1/cases/photos/{sha}": {"get": _op("A photo's public copy", READ, "404",
                                              params=("sha",))},
    "/api/v1/cases/evaluation": {"get": _op("综合评价 table: dimension department|grid|"
                                            "inspector, period day|xun|month|year, date, "
                                            "format=csv", "operator, dispatcher, department, "
                                            "supervisor, admin", "422")},
    "/api/v1/cases/bulletin": {"get": _op("The printable monthly bulletin (HTML), month=YYYY-MM",
                                          "operator, dispatcher, department, supervisor, "
                                          "admin", "422")},
    "/api/v1/cases/inventory": {
        "get": _op("部件 inventory as GeoJSON (bbox=minlon,minlat,maxlon,maxlat)", READ, "422"),
        "post": _op("Load components from GeoJSON (whole or nothing)", "admin", "422",
                    "application/json")},
    "/api/v1/cases/from-alert": {"post": _op("Open a case from a coverage-gap or spill alert",
                                             "operator, admin", "404 422",
                                             "application/json")},
    "/api/v1/cases": {
        "get": _op("Cases (state, department, grid, source, reporter, overdue, limit, "
                   "offset) with counts by state", READ, "422"),
        "post": _op("Report a case (inspector; operator: hotline or camera)",
                    "inspector, operator, admin", "415 422", "application/json")},
    "/api/v1/cases/{id}": {"get": _op("A case with its flow log and photos", READ, "404",
                                      params=("id",))},
    "/api/v1/cases/{id}/actions": {"post": _op(
        "Take an action (action, version, note, reason, department, photos, hours, passed)",
        "by the flow table", "404 409 422", "application/json", ("id",))},
    "/open311/v2/services.json": {"get": _op("Open311 GeoReport v2 service list",
                                             "public (api_key)")},
    "/open311/v2/requests.json": {
        "get": _op("Open311 requests that came through Open311", "public (api_key)"),
        "post": _op("Open311: a new service request (a hotline case)", "public (api_key)",
                    "400 422", "application/x-www-form-urlencoded")},
    "/open311/v2/requests/{id}.json": {"get": _op("One Open311 request", "public (api_key)",
                                                  "404", params=("id",))},
}
