"""The Customer.io HTTP client: hosts, auth, timeouts, retries, and the status policy in one place."""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import __version__
from .connection import MASK, Connection
from .errors import RetryableApiError
from .jsonbytes import compact_json
from .policy import interpret, transport_error
from .request import ApiRequest

__all__ = [
    "ApiResponse",
    "AsyncCioClient",
    "CioClient",
    "DEFAULT_TIMEOUT",
    "RetryPolicy",
    "USER_AGENT",
    "build_request",
    "describe_request",
]

logger = logging.getLogger("cio_connector.http")

USER_AGENT = f"cio-connector/{__version__} httpx/{httpx.__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Statuses that mean Customer.io did not process the request, so even an event may be re-sent.
_NOT_PROCESSED = frozenset({429, 503})


@dataclass(frozen=True)
class ApiResponse:
    status: int
    json: Any
    attempts: int = 1


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff, jittered between half and all of each step; ``Retry-After`` wins."""

    max_retries: int = 3
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number ``retry`` (1-based), or None to give up."""
        if retry > self.max_retries:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return self.rng.uniform(ceiling / 2, ceiling)


def _auth_header(connection: Connection, api: str) -> str:
    if api == "app":
        return f"Bearer {connection.app_api_key}"
    pair = f"{connection.site_id}:{connection.track_api_key}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _url(connection: Connection, request: ApiRequest) -> str:
    base = connection.app_url if request.api == "app" else connection.track_url
    return base + request.path


def build_request(connection: Connection, request: ApiRequest) -> httpx.Request:
    """The exact HTTP request: regional (or sandbox) host, auth for the API, JSON body."""
    headers = {
        "Authorization": _auth_header(connection, request.api),
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
    }
    content = None
    if request.json is not None:
        # Serialised here, compact, so the bytes sent are the bytes ``size_problem`` measured
        # (whatever httpx's own JSON defaults are), and NaN can never slip onto the wire.
        content = compact_json(request.json, allow_nan=False)
        headers["Content-Type"] = "application/json"
    return httpx.Request(request.method, _url(connection, request), headers=headers, params=list(request.query), content=content)


def describe_request(connection: Connection, request: ApiRequest) -> dict[str, Any]:
    """What would be sent, for dry runs and logs: credentials masked, nothing else hidden."""
    built = build_request(connection, request)
    headers = dict(built.headers)
    scheme = headers.get("authorization", "").split(" ", 1)[0]
    headers["authorization"] = f"{scheme} {MASK}"
    return {
        "method": built.method,
        "url": str(built.url),
        "headers": headers,
        "json": request.json,
    }


class _Base:
    def __init__(self, connection: Connection, *, retry: RetryPolicy | None = None) -> None:
        self.connection = connection
        self.retry = retry or RetryPolicy()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} region={self.connection.region!r} track={self.connection.track_url!r}>"

    def _outcome(
        self, request: ApiRequest, response: httpx.Response | None, error: Exception | None,
        action: str | None, attempts: int, elapsed: float,
    ) -> ApiResponse:
        """One attempt's result as an ``ApiResponse``, or the mapped error raised; logged either way."""
        where = f"{request.method} {_url(self.connection, request)}"
        answer = type(error).__name__ if error is not None else str(response.status_code if response else "?")
        logger.debug("%s -> %s in %.0f ms (attempt %d, action %s)", where, answer, elapsed * 1000, attempts, action)
        if error is not None:
            # ``from None``: httpx's own message may quote a header, and so a credential.
            raise transport_error(error, request, action=action) from None
        assert response is not None
        status, body = interpret(response, request, self.connection, action=action)
        return ApiResponse(status, body, attempts)

    def _retry_delay(self, exc: Exception, request: ApiRequest, retry: int) -> float | None:
        if not isinstance(exc, RetryableApiError):
            return None
        if not (request.idempotent or exc.not_sent or exc.status in _NOT_PROCESSED):
            logger.warning("not retrying %s %s: it may have landed and has no dedupe id (%s)", request.method, request.path, exc)
            return None  # it may have landed: retrying could record the event twice
        delay = self.retry.delay(retry, exc.retry_after)
        if delay is not None:
            logger.info("retry %d of %s %s in %.2f s after: %s", retry, request.method, request.path, delay, exc)
        return delay


class CioClient(_Base):
    """Synchronous client; one ``httpx.Client`` per connection, redirects never followed."""

    def __init__(
        self,
        connection: Connection,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        verify: Any = True,
    ) -> None:
        super().__init__(connection, retry=retry)
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, verify=verify)
        self._sleep = sleep

    def send(self, request: ApiRequest, *, action: str | None = None) -> ApiResponse:
        retry = 0
        while True:
            response = error = None
            started = time.perf_counter()
            try:
                response = self._http.send(build_request(self.connection, request))
            except httpx.HTTPError as exc:
                error = exc
            elapsed = time.perf_counter() - started
            try:
                return self._outcome(request, response, error, action, retry + 1, elapsed)
            except RetryableApiError as exc:
                retry += 1
                delay = self._retry_delay(exc, request, retry)
                if delay is None:
                    raise
                self._sleep(delay)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncCioClient(_Base):
    """The asyncio twin of ``CioClient``: same request building, same policy, same retries."""

    def __init__(
        self,
        connection: Connection,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
        verify: Any = True,
    ) -> None:
        super().__init__(connection, retry=retry)
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False, verify=verify)
        self._sleep = sleep

    async def send(self, request: ApiRequest, *, action: str | None = None) -> ApiResponse:
        retry = 0
        while True:
            response = error = None
            started = time.perf_counter()
            try:
                response = await self._http.send(build_request(self.connection, request))
            except httpx.HTTPError as exc:
                error = exc
            elapsed = time.perf_counter() - started
            try:
                return self._outcome(request, response, error, action, retry + 1, elapsed)
            except RetryableApiError as exc:
                retry += 1
                delay = self._retry_delay(exc, request, retry)
                if delay is None:
                    raise
                await self._sleep(delay)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncCioClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
