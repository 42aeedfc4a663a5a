"""Tokens and roles: 401 without a valid token, 403 with the wrong role."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from web.auth import DEVICE, SUPERVISOR, TokenAuth

AUTH = TokenAuth({"supervisor-secret-1": "supervisor", "device-secret-001": "device",
                  "admin-secret-0001": "admin"})


def request(header: str | None = None, query: str = "") -> web.Request:
    headers = {"Authorization": header} if header else {}
    return make_mocked_request("GET", "/x" + query, headers=headers)


def test_roles() -> None:
    assert AUTH.check(request("Bearer supervisor-secret-1"), SUPERVISOR) == "supervisor"
    assert AUTH.check(request("Bearer admin-secret-0001"), SUPERVISOR) == "admin"
    assert AUTH.check(request("bearer device-secret-001"), DEVICE) == "device"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic supervisor-secret-1",
                                    "Bearer supervisor-secret-"])
def test_missing_or_wrong_tokens_get_401(header: str | None) -> None:
    with pytest.raises(web.HTTPUnauthorized):
        AUTH.check(request(header), SUPERVISOR)


def test_wrong_role_gets_403() -> None:
    with pytest.raises(web.HTTPForbidden):
        AUTH.check(request("Bearer device-secret-001"), SUPERVISOR)
    with pytest.raises(web.HTTPForbidden):
        AUTH.check(request("Bearer supervisor-secret-1"), DEVICE)


def test_query_tokens_only_where_allowed() -> None:
    req = request(query="?token=supervisor-secret-1")
    with pytest.raises(web.HTTPUnauthorized):
        AUTH.check(req, SUPERVISOR)
    assert AUTH.check(req, SUPERVISOR, allow_query=True) == "supervisor"
