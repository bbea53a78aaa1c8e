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
from urllib.parse import urlencode

import httpx

from .._version import __version__
from ..errors import RetryableApiError
from ..pipeline.request import ApiRequest
from .connection import MASK, Connection
from .policy import interpret, transport_error
from .transports import async_transport

__all__ = [
    "ApiResponse",
    "AsyncCioClient",
    "CioClient",
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "RetryPolicy",
    "USER_AGENT",
    "describe_request",
    "http_request",
]

logger = logging.getLogger("cio_connector.http")  # the name hosts configure (README); kept across moves

USER_AGENT = f"cio-connector/{__version__} httpx/{httpx.__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: Keep-alive connections for hosts sending many calls in flight (Track allows 1,000 per second).
DEFAULT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=32, keepalive_expiry=30.0)
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
    #: Seconds one ``send()`` may take in all (attempts, waits, a server trickling its answer).
    deadline: float = 60.0
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


def _headers(connection: Connection, request: ApiRequest, authorization: str) -> dict[str, str]:
    headers = {"Authorization": authorization, "User-Agent": USER_AGENT, "Accept": "application/json"}
    if request.body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def http_request(connection: Connection, request: ApiRequest, timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Request:
    """The exact HTTP request: regional (or sandbox) host, auth for the API, the encoded body.

    The body is ``request.body``: compact JSON encoded once, so the bytes sent are the bytes the
    size check measured, and NaN can never slip onto the wire.
    """
    headers = _headers(connection, request, _auth_header(connection, request.api))
    return httpx.Request(
        request.method, _url(connection, request), headers=headers, params=list(request.query),
        content=request.body, extensions={"timeout": timeout.as_dict()},
    )


def describe_request(connection: Connection, request: ApiRequest) -> dict[str, Any]:
    """What would be sent, for dry runs and logs: credentials masked, nothing else hidden."""
    scheme = "Bearer" if request.api == "app" else "Basic"
    url = _url(connection, request)
    if request.query:
        url += "?" + urlencode(request.query)
    headers = {"host": httpx.URL(url).netloc.decode("ascii")}
    headers.update((name.lower(), value) for name, value in _headers(connection, request, f"{scheme} {MASK}").items())
    if request.body is not None:
        headers["content-length"] = str(len(request.body))
    return {"method": request.method, "url": url, "headers": headers, "json": request.json}


class _Attempts:
    """One ``send()``: the retry decisions and the deadline, shared by the sync and async loops."""

    def __init__(self, client: _Base, request: ApiRequest, action: str | None) -> None:
        self.client, self.request, self.action = client, request, action
        self.retry = 0
        self.deadline = time.monotonic() + client.retry.deadline

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def http_request(self) -> httpx.Request:
        """This attempt's request, its timeouts cut to what is left of the deadline."""
        left = max(self.remaining(), 0.001)
        base = self.client.timeout
        timeout = httpx.Timeout(
            connect=_cut(base.connect, left), read=_cut(base.read, left), write=_cut(base.write, left), pool=_cut(base.pool, left)
        )
        return http_request(self.client.connection, self.request, timeout)

    def settle(self, response: httpx.Response | None, error: Exception | None, elapsed: float) -> ApiResponse | float:
        """The answer, or the seconds to wait before the next attempt; raises when done trying."""
        try:
            return self.client._outcome(self.request, response, error, self.action, self.retry + 1, elapsed)
        except RetryableApiError as exc:
            self.retry += 1
            delay = self.client._retry_delay(exc, self.request, self.retry)
            if delay is None:
                raise
            if delay >= self.remaining():
                logger.info(
                    "not retrying %s %s: the %.0f s deadline would pass",
                    self.request.method, self.request.path, self.client.retry.deadline,
                )
                raise
            return delay


def _cut(value: float | None, left: float) -> float:
    return left if value is None else min(value, left)


class _DeadlinePassed(httpx.ReadTimeout):
    """The whole ``send()`` ran out of time while an answer was still arriving."""


class _Base:
    def __init__(self, connection: Connection, *, retry: RetryPolicy | None, timeout: httpx.Timeout) -> None:
        self.connection = connection
        self.retry = retry or RetryPolicy()
        self.timeout = timeout

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
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        super().__init__(connection, retry=retry, timeout=timeout)
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, verify=verify, limits=limits)
        self._sleep = sleep

    def send(self, request: ApiRequest, *, action: str | None = None) -> ApiResponse:
        """Send with retries within ``retry.deadline``; raises a ``CioConnectorError`` on failure."""
        attempts = _Attempts(self, request, action)
        while True:
            response = error = None
            started = time.perf_counter()
            try:
                response = self._receive(attempts)
            except httpx.HTTPError as exc:
                error = exc
            outcome = attempts.settle(response, error, time.perf_counter() - started)
            if isinstance(outcome, ApiResponse):
                return outcome
            self._sleep(outcome)

    def _receive(self, attempts: _Attempts) -> httpx.Response:
        """One attempt, its answer read in chunks so a trickling server cannot outlast the deadline."""
        response = self._http.send(attempts.http_request(), stream=True)
        chunks = []
        try:
            for chunk in response.iter_raw():
                chunks.append(chunk)
                if attempts.remaining() <= 0:
                    raise _DeadlinePassed("the answer was still arriving at the deadline", request=response.request)
        except httpx.StreamConsumed:  # a transport that answered with the whole body at once
            return response
        finally:
            response.close()
        return httpx.Response(response.status_code, headers=response.headers, content=b"".join(chunks), request=response.request)

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
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        super().__init__(connection, retry=retry, timeout=timeout)
        transport = transport or async_transport(verify=verify, limits=limits)
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False, verify=verify, limits=limits)
        self._sleep = sleep

    async def send(self, request: ApiRequest, *, action: str | None = None) -> ApiResponse:
        """``CioClient.send`` for asyncio: the same attempts, deadline and retries."""
        attempts = _Attempts(self, request, action)
        while True:
            response = error = None
            started = time.perf_counter()
            try:
                async with asyncio.timeout(max(attempts.remaining(), 0.001)):
                    response = await self._http.send(attempts.http_request())
            except httpx.HTTPError as exc:
                error = exc
            except TimeoutError:
                error = _DeadlinePassed("the answer was still arriving at the deadline")
            outcome = attempts.settle(response, error, time.perf_counter() - started)
            if isinstance(outcome, ApiResponse):
                return outcome
            await self._sleep(outcome)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncCioClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
