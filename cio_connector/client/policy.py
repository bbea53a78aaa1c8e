"""Customer.io's answers -> results or errors: the status policy, written once for every call."""

from __future__ import annotations

import email.utils
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..errors import (
    AuthenticationError,
    CioConnectorError,
    ConnectionConfigError,
    FatalApiError,
    Problem,
    RegionMismatchError,
    RetryableApiError,
)
from ..facts import API_FAMILIES
from ..pipeline.request import ApiRequest
from .connection import Connection, is_loopback_url

__all__ = [
    "ItemError", "error_messages", "interpret", "item_errors", "parse_retry_after", "read_answer", "refused_items",
    "transport_error",
]

_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 522, 524})
_API_NAMES = {api: family.name for api, family in API_FAMILIES.items()}


@dataclass(frozen=True)
class ItemError:
    """One entry of ``errors[]`` in Customer.io's answer: what it says, and the field and batch item it names."""

    message: str
    field: str | None = None
    reason: str | None = None
    batch_index: int | None = None

    def problem(self, request: ApiRequest, fallback: str = "$") -> Problem:
        """As a ``Problem`` at the config path behind ``field`` (``fallback`` when none maps)."""
        code = self.reason
        if self.batch_index is not None:
            code = f"batch_index={self.batch_index}" + (f" {code}" if code else "")
        return Problem(request.config_path_for(self.field) or fallback, self.message, code=code)


def read_answer(
    response: httpx.Response, request: ApiRequest, connection: Connection, *, action: str | None = None
) -> tuple[int, Any, tuple[ItemError, ...]]:
    """(status, JSON body, the ``errors[]`` items) for a 2xx; raises the right ``CioConnectorError`` otherwise.

    A 2xx with ``errors[]`` (a 207, or a 2xx that still carries errors) is returned, not raised: a
    batch's sender decides which of its items failed; a single call raises ``refused_items``.
    """
    status = response.status_code
    body = _json(response)
    if 200 <= status < 300:
        return status, body, item_errors(body)
    if 300 <= status < 400:
        raise _wrong_region(response, request, connection)
    if status in (401, 403):
        raise _auth(request, status)
    messages = error_messages(body)
    detail = "; ".join(messages) or response.reason_phrase or "no details"
    name = _API_NAMES[request.api]
    if status in _RETRYABLE or status >= 500:
        raise RetryableApiError(
            f"Customer.io {name} API answered {status}: {detail}",
            status=status, action=action, retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    blamed = _blamed(request, status)
    raise FatalApiError(
        f"Customer.io {name} API rejected the request ({status}): {detail}",
        status=status, action=action,
        problems=[item.problem(request, blamed) for item in item_errors(body)]
        or [Problem(blamed, m) for m in messages],
    )


def interpret(
    response: httpx.Response, request: ApiRequest, connection: Connection, *, action: str | None = None
) -> tuple[int, Any]:
    """(status, JSON body) for success; raises the right ``CioConnectorError`` otherwise."""
    status, body, refused = read_answer(response, request, connection, action=action)
    if refused:
        raise refused_items(status, refused, request, action=action)
    return status, body


def refused_items(
    status: int, refused: tuple[ItemError, ...], request: ApiRequest, *, action: str | None = None
) -> FatalApiError:
    """A 2xx whose ``errors[]`` refused some of the call, as the error a single call raises."""
    problems = [item.problem(request) for item in refused]
    return FatalApiError(
        f"Customer.io accepted the call but rejected its content: {problems[0].message}",
        status=status, action=action, problems=problems,
    )


def item_errors(body: Any) -> tuple[ItemError, ...]:
    """Every ``errors[]`` entry: objects with their ``field``, ``reason`` and ``batch_index``; bare strings as messages."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return ()
    items = []
    for entry in body["errors"]:
        if isinstance(entry, dict):
            message = entry.get("message") or entry.get("detail") or entry.get("reason") or "rejected"
            where = entry.get("batch_index")
            items.append(ItemError(
                str(message), _text(entry.get("field")), _text(entry.get("reason")),
                where if isinstance(where, int) and not isinstance(where, bool) else None,
            ))
        elif entry:
            items.append(ItemError(str(entry)))
    return tuple(items)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _blamed(request: ApiRequest, status: int) -> str:
    """Where a message without a field points: a 404 at the resource the path names, else the config."""
    found = request.config_path_for(request.not_found) if status == 404 else None
    return found or "$"


def transport_error(error: Exception, request: ApiRequest, *, action: str | None = None) -> CioConnectorError:
    """An httpx failure as our error; the message names the API and the failure, never a header.

    A request httpx refuses to write (a credential with a newline, an unsupported scheme) is a
    connection problem that no retry can fix; everything else on the wire is retryable.
    """
    name = _API_NAMES[request.api]
    if isinstance(error, (httpx.LocalProtocolError, httpx.UnsupportedProtocol)):
        return ConnectionConfigError(
            headline=f"the {name} API request could not be written ({type(error).__name__}): check the "
            "connection's credentials and endpoints for characters HTTP cannot carry"
        )
    not_sent = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
    detail = f": {error}" if isinstance(error, httpx.ConnectError) and str(error) else ""
    return RetryableApiError(
        f"Customer.io {name} API call {kind}: {type(error).__name__}{detail}", action=action, not_sent=not_sent
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from ``Retry-After`` (delta-seconds or an HTTP date); None when absent or odd."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):  # delta-seconds; fractions tolerated
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def error_messages(body: Any) -> list[str]:
    """Every message in Customer.io's error shapes: meta.error, meta.errors[], errors[]."""
    if not isinstance(body, dict):
        return []
    out: list[str] = []
    meta = body.get("meta")
    if isinstance(meta, dict):
        if isinstance(meta.get("error"), str):
            out.append(meta["error"])
        out += [str(m) for m in meta.get("errors") or [] if m]
    for item in body.get("errors") or []:
        if isinstance(item, dict):
            text = item.get("message") or item.get("detail") or item.get("reason")
            if text:
                out.append(str(text))
        elif item:
            out.append(str(item))
    return out


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {"raw": response.text[:500]}


def _redirect_region(location: str) -> str | None:
    """Which region a redirect points at: a Customer.io host (``-eu`` ones are EU), or the
    sandbox's ``/eu/``/``/us/`` paths on a loopback host. Any other host names no region."""
    try:
        parts = urlsplit(location)
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    if host == "customer.io" or host.endswith(".customer.io"):
        return "eu" if "-eu" in host else "us"
    if is_loopback_url(location):
        if parts.path.startswith("/eu/"):
            return "eu"
        if parts.path.startswith("/us/"):
            return "us"
    return None


def _unrelated_host(location: str) -> bool:
    try:
        return bool(urlsplit(location).hostname)
    except ValueError:
        return True


def _wrong_region(response: httpx.Response, request: ApiRequest, connection: Connection) -> RegionMismatchError | FatalApiError:
    name = _API_NAMES[request.api]
    status = response.status_code
    location = response.headers.get("location", "")
    target = _redirect_region(location)
    if target is None and _unrelated_host(location):
        # Not a region answer: Customer.io redirects only between its own data centers.
        return FatalApiError(
            f"Customer.io's {name} API answered {status} with a redirect to another host; "
            "redirects are never followed, and this one does not name a Customer.io region",
            status=status,
        )
    if target == connection.region:
        return RegionMismatchError(
            f"Customer.io answered the {name} API call with an unexpected redirect ({status}) within "
            f"{connection.region.upper()}; the region looks right, so this may be temporary",
            actual_region=target, status=status,
        )
    actual = target or ("eu" if connection.region == "us" else "us")
    message = (
        f"Customer.io redirected the {name} API call ({status}): this workspace is in "
        f"{actual.upper()}, not {connection.region.upper()}; choose {actual.upper()} as the region"
    )
    return RegionMismatchError(message, actual_region=actual, status=status)


def _auth(request: ApiRequest, status: int) -> AuthenticationError:
    # A key from the other region's workspace is refused the same way: say so, and where to look.
    region = "or the region is (run `cio-connector check` to tell which)"
    if request.api == "app":
        return AuthenticationError(
            f"App API key is wrong, {region} (Customer.io answered {status})", credential="app", status=status
        )
    return AuthenticationError(
        f"Site ID or Track API key is wrong, {region} (Customer.io answered {status})", credential="track", status=status
    )
