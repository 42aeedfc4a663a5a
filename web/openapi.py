"""The OpenAPI 3 description of every HTTP endpoint, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from cases.openapi import PATHS as CASE_PATHS

_DATE = {"name": "date", "in": "query", "required": False,
         "description": "Local date YYYY-MM-DD in the city's zone (default: today).",
         "schema": {"type": "string", "format": "date"}}
_ERR = {"description": "Error", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Error"}}}}
_AUTH = {"401": {"description": "Missing or invalid token"},
         "403": {"description": "Token of the wrong role"}}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, role: str, ok: dict[str, Any], params: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "description": f"Role: {role}.",
                          "security": [{"bearer": []}],
                          "responses": {"200": ok, **_AUTH, **(extra or {})}}
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = body
    return op


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
    "Position": {"type": "object", "required": ["device", "ts", "lat", "lon"], "properties": {
        "device": {"type": "string", "maxLength": 64},
        "ts": {"oneOf": [{"type": "number"}, {"type": "string", "format": "date-time"}],
               "description": "Epoch seconds, or ISO-8601 with an offset."},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "acc": {"type": "number", "minimum": 0, "description": "metres"},
        "speed": {"type": "number", "minimum": 0, "description": "m/s"},
        "heading": {"type": "number", "minimum": 0, "maximum": 360}}},
    "IngestAnswer": {"type": "object", "properties": {
        "accepted": {"type": "integer"},
        "rejected": {"type": "array", "items": {"type": "object", "properties": {
            "index": {"type": "integer"}, "error": {"type": "string"}}}}}},
    "Compliance": {"type": "object", "properties": {
        "road": {"type": "string"}, "name": {"type": "string"},
        "class": {"type": "string", "enum": ["main", "secondary"]},
        "grid": {"type": "string", "nullable": True}, "required": {"type": "integer"},
        "passes": {"type": "integer"}, "last_pass_ts": {"type": "number", "nullable": True},
        "status": {"type": "string", "enum": ["ok", "behind", "missed", "pending"]}}},
    "Alert": {"type": "object", "properties": {
        "id": {"type": "string"}, "type": {"type": "string", "enum": [
            "coverage_behind", "road_unvisited", "road_missed", "signal_lost", "idle",
            "off_grid", "too_fast", "motion", "spill", "camera_offline"]},
        "ts": {"type": "number"}, "severity": {"type": "string",
                                               "enum": ["info", "warning", "critical"]},
        "subject": {"type": "object", "additionalProperties": {"type": "string"}},
        "message": {"type": "string"}, "details": {"type": "object"},
        "cleared_ts": {"type": "number"}}},
    "Device": {"type": "object", "required": ["device", "ts", "lat", "lon"], "properties": {
        "device": {"type": "string"}, "ts": {"type": "number"}, "lat": {"type": "number"},
        "lon": {"type": "number"}, "terminal": {"type": "string"}}},
}


def list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


def openapi_document() -> dict[str, Any]:
    obj = {"type": "object"}
    paths: dict[str, Any] = {
        "/api/v1/positions": {"post": _op(
            "Report positions: one, a list, or {\"positions\": [...]}", "device or admin",
            _json(_ref("IngestAnswer")),
            body={"required": True, "content": {"application/json": {"schema": {"oneOf": [
                _ref("Position"), list_of("Position"),
                {"type": "object", "properties": {"positions": list_of("Position")}}]}}}},
            extra={"400": _ERR, "413": _ERR, "429": _ERR})},
        "/ws/device": {"get": _op(
            "WebSocket: each text message a position or a list; answered with accepted/rejected",
            "device or admin (token in header or ?token=)",
            {"description": "Switching protocols"})},
        "/api/v1/roads/compliance": {"get": _op(
            "Per-road passes and status for a day", "supervisor or admin",
            _json(list_of("Compliance")), [_DATE])},
        "/api/v1/alerts": {"get": _op(
            "Alerts raised since a time, oldest first", "supervisor or admin",
            _json(list_of("Alert")), [{"name": "since", "in": "query", "required": False,
                                       "schema": {"type": "number"}}])},
        "/api/v1/devices": {"get": _op(
            "Latest position and state of each device", "supervisor or admin",
            _json(list_of("Device")))},
        "/api/v1/tracks/{device}": {"get": _op(
            "GeoJSON of a device's track for a day", "supervisor or admin",
            _json(obj), [{"name": "device", "in": "path", "required": True,
                          "schema": {"type": "string"}}, _DATE], extra={"404": _ERR})},
        "/api/v1/roads/{road}/passes": {"get": _op(
            "A road's passes over a day (time, inspector, suspect flag)", "supervisor or admin",
            _json({"type": "array", "items": obj}),
            [{"name": "road", "in": "path", "required": True, "schema": {"type": "string"}},
             _DATE], extra={"404": _ERR})},
        "/api/v1/passes": {"get": _op(
            "Every pass of a day (road, time, inspector, suspect flag), oldest first",
            "supervisor or admin", _json({"type": "array", "items": obj}), [_DATE])},
        "/api/v1/reports/daily": {"get": _op(
            "Per inspector, per grid and per road figures for a day", "supervisor or admin",
            _json(obj), [_DATE])},
        "/api/v1/cameras/{id}/frames": {"post": _op(
            "Push one JPEG frame of a camera", "device or admin", _json(obj),
            [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
             {"name": "X-Frame-Time", "in": "header", "required": False,
              "schema": {"type": "number"}}],
            body={"required": True, "content": {"image/jpeg": {"schema": {
                "type": "string", "format": "binary"}}}},
            extra={"400": _ERR, "404": _ERR, "413": _ERR, "415": _ERR})},
        "/api/v1/cameras": {"get": _op("Cameras and their state", "supervisor or admin",
                                       _json({"type": "array", "items": obj}))},
        "/api/v1/evidence": {"get": _op("Evidence list", "supervisor or admin",
                                        _json({"type": "array", "items": obj}))},
        "/api/v1/evidence/public-key": {"get": _op(
            "The Ed25519 public key evidence manifests are signed with: algorithm, key_id, pem "
            "(SubjectPublicKeyInfo), raw (32 bytes, base64)", "supervisor or admin",
            _json(obj))},
        "/api/v1/evidence/{id}": {"get": _op(
            "Evidence manifest with its integrity: valid, modified (naming the files) or "
            "unsigned; tampered is true when modified", "supervisor or admin", _json(obj),
            [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            extra={"404": _ERR})},
        "/api/v1/evidence/{id}/{file}": {"get": _op(
            "One evidence file (JPEG, MP4, WebM); Range requests answered with 206",
            "supervisor or admin",
            {"description": "The file"},
            [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
             {"name": "file", "in": "path", "required": True, "schema": {"type": "string"}}],
            extra={"404": _ERR})},
        "/ws/live": {"get": _op(
            "WebSocket push of position/road/alert/cleared/camera_event/case; send "
            "{\"subscribe\": {\"grids\": [...], \"types\": [...], \"batch\": false}}; "
            "operator and dispatcher get case events only, a department its own cases' only",
            "supervisor or admin; operator, dispatcher, department (token in header or "
            "?token=)",
            {"description": "Switching protocols"})},
        "/api/v1/city": {"get": _op("The city's roads, grids and cameras as GeoJSON",
                                    "supervisor, admin, operator, dispatcher, department",
                                    _json(obj))},
        "/api/v1/whoami": {"get": _op(
            "The caller's role (role, base, subject), whether it reads patrol data, and the "
            "server's clock (now)", "any role", _json(obj))},
        "/api/v1/page-config": {"get": _op("Settings the page needs (optional tile URL)",
                                           "supervisor or admin", _json(obj))},
        "/metrics": {"get": _op("Prometheus metrics", "supervisor or admin",
                                {"description": "text/plain exposition format"})},
        "/healthz": {"get": _op("Liveness and readiness", "any role", _json(obj))},
        "/api/v1/openapi.json": {"get": _op("This document", "any role", _json(obj))},
        "/": {"get": {"summary": "The supervisor's live page (asks for a token; ?token= logs a "
                      "wall display in)", "responses": {"200": {"description": "HTML"}}}},
    }
    paths.update(CASE_PATHS)
    return {"openapi": "3.0.3",
            "info": {"title": "gridwatch", "version": "1",
                     "description": "Real-time GPS and video monitoring for city-management "
                                    "patrols. Tokens: Authorization: Bearer <token>."},
            "paths": paths,
            "components": {"schemas": SCHEMAS, "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"}}}}
