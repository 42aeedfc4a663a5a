"""Bearer tokens and roles (docs/contract.md §4): 401 without a valid token, 403 wrong role.

Tokens are compared in constant time and never logged; only the role is kept on the request.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from aiohttp import web

from config.roles import base_of

# Who may call what: an admin may do anything; supervisors read; devices only report.
DEVICE = frozenset({"device", "admin"})
SUPERVISOR = frozenset({"supervisor", "admin"})


class TokenAuth:
    def __init__(self, tokens: dict[str, str]) -> None:
        self._tokens = [(t.encode(), role) for t, role in tokens.items()]

    def role_of(self, token: str | None) -> str | None:
        if not token:
            return None
        given = token.encode()
        found = None
        for known, role in self._tokens:  # no early exit: timing says nothing about the match
            if hmac.compare_digest(given, known):
                found = role
        return found

    @staticmethod
    def token_of(request: web.Request, allow_query: bool = False) -> str | None:
        """The bearer token; ?token= only where a browser cannot set headers (WebSockets)."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        if allow_query:
            return request.query.get("token") or None
        return None

    def check(self, request: web.Request, roles: Iterable[str], allow_query: bool = False) -> str:
        """The caller's full role (`department:water`); roles lists base roles."""
        role = self.role_of(self.token_of(request, allow_query))
        if role is None:
            raise web.HTTPUnauthorized(
                text='{"error": "a valid bearer token is required"}',
                content_type="application/json", headers={"WWW-Authenticate": "Bearer"})
        if base_of(role) not in roles:
            raise web.HTTPForbidden(text=f'{{"error": "role {base_of(role)} may not do this"}}',
                                    content_type="application/json")
        return role

