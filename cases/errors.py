"""What a case request can be refused with; the web layer turns each into its HTTP answer."""

from __future__ import annotations

from typing import Any


class CaseError(Exception):
    status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message, self.extra = message, extra

    def body(self) -> dict[str, Any]:
        return {"error": self.message, **self.extra}


class NotFound(CaseError):
    status = 404


class Forbidden(CaseError):
    status = 403


class Conflict(CaseError):
    """409: the action is not allowed in the case's state, or the case moved on (version)."""

    status = 409


class Invalid(CaseError):
    """422: well-formed, but wrong (unknown class, outside the city, a guard not met)."""

    status = 422
