"""Customer.io's response bodies: one small function per error dialect, so routes never hand-build JSON."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

__all__ = [
    "APP_UNAUTHORIZED",
    "TRACK_UNAUTHORIZED",
    "app_error",
    "ok",
    "track_error",
    "track_errors",
    "v2_error",
    "v2_errors",
]

TRACK_UNAUTHORIZED = "Unauthorized request. Make sure that you provided the right credentials."
APP_UNAUTHORIZED = "Unauthorized"


def ok(body: dict[str, Any] | None = None, status: int = 200) -> JSONResponse:
    """Track success is an empty object; App success carries data."""
    return JSONResponse({} if body is None else body, status_code=status)


def track_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Track v1, one message: ``{"meta": {"error": "..."}}`` (docs: invalid-api-requests)."""
    return JSONResponse({"meta": {"error": message}}, status_code=status, headers=headers)


def track_errors(status: int, messages: list[str]) -> JSONResponse:
    """Track v1, a list: ``{"meta": {"errors": [...]}}`` (spec: components.responses.400)."""
    return JSONResponse({"meta": {"errors": list(messages)}}, status_code=status)


def v2_error(reason: str, field: str, message: str) -> dict[str, str]:
    return {"reason": reason, "field": field, "message": message}


def v2_errors(status: int, errors: list[dict[str, Any]]) -> JSONResponse:
    """Track v2: ``{"errors": [{"reason", "field", "message"[, "batch_index"]}]}`` (spec: schemas.errors)."""
    return JSONResponse({"errors": errors}, status_code=status)


def app_error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """App API: ``{"errors": [{"detail": "...", "status": "<code>"}]}`` (reference §5)."""
    return JSONResponse(
        {"errors": [{"detail": detail, "status": str(status)}]}, status_code=status, headers=headers
    )
