"""The Customer.io HTTP client: hosts, auth, timeouts, and the two thin send loops (sync and async)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeAlias

import httpx

from ..errors import CioConnectorError, RetryableApiError
from ..pipeline.request import ApiRequest
from .attempts import UNPACED, ApiResponse, Attempts, Delivery, Pacing, RetryPolicy
from .connection import Connection
from .describe import auth_header, describe_request, request_headers, request_url, user_agent
from .policy import read_answer, transport_error
from .transports import async_transport

__all__ = [
    "ApiResponse",
    "AsyncCioClient",
    "AsyncTransport",
    "CioClient",
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "Delivery",
    "Pacing",
    "RetryPolicy",
    "USER_AGENT",
    "async_client",
    "describe_request",
    "http_request",
]

logger = logging.getLogger("cio_connector.http")  # the name hosts configure (README); kept across moves

USER_AGENT = user_agent()
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: Keep-alive connections for hosts sending many calls in flight (Track allows 1,000 per second).
DEFAULT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=32, keepalive_expiry=30.0)
#: What an async client sends through; tests hand in ``httpx.MockTransport``.
AsyncTransport: TypeAlias = httpx.AsyncBaseTransport


# Parsing a URL is most of the cost of building an ``httpx.Request``; a host sends most of its
# requests to a few URLs (the v2 entity endpoint), so parsed URLs are kept, a bounded number.
@lru_cache(maxsize=1024)
def _parsed_url(url: str) -> httpx.URL:
    return httpx.URL(url)


def http_request(
    connection: Connection, request: ApiRequest, timeout: httpx.Timeout = DEFAULT_TIMEOUT, *,
    headers: httpx.Headers | None = None,
) -> httpx.Request:
    """The exact HTTP request: regional (or sandbox) host, auth for the API, the encoded body.

    The body is ``request.body``: compact JSON encoded once, so the bytes sent are the bytes the
    size check measured, and NaN can never slip onto the wire. ``headers`` are this request's
    headers made beforehand (a client keeps them per API), or made here.
    """
    if headers is None:
        headers = httpx.Headers(request_headers(request, auth_header(connection, request.api)))
    return httpx.Request(
        request.method, _parsed_url(request_url(connection, request)), headers=headers, params=list(request.query) or None,
        content=request.body, extensions={"timeout": timeout.as_dict()},
    )


def _cut(value: float | None, left: float) -> float:
    return left if value is None else min(value, left)


class _DeadlinePassed(httpx.ReadTimeout):
    """The whole ``send()`` ran out of time while an answer was still arriving."""


class _Base:
    def __init__(self, connection: Connection, *, retry: RetryPolicy | None, timeout: httpx.Timeout) -> None:
        self.connection = connection
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        #: The headers of each (API, with a body or not), made once: the auth header is a base64 per call otherwise.
        self._headers: dict[tuple[str, bool], httpx.Headers] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} region={self.connection.region!r} track={self.connection.track_url!r}>"

    def _http_request(self, attempts: Attempts) -> httpx.Request:
        """This attempt's request, its timeouts cut to what is left of the deadline."""
        left = max(attempts.remaining(), 0.001)
        base = self.timeout
        timeout = httpx.Timeout(
            connect=_cut(base.connect, left), read=_cut(base.read, left), write=_cut(base.write, left), pool=_cut(base.pool, left)
        )
        request = attempts.request
        key = (request.api, request.body is not None)
        headers = self._headers.get(key)
        if headers is None:
            made = request_headers(request, auth_header(self.connection, request.api))
            headers = self._headers[key] = httpx.Headers(made)
        return http_request(self.connection, request, timeout, headers=headers)

    def _settle(
        self, attempts: Attempts, response: httpx.Response | None, error: Exception | None, elapsed: float
    ) -> Delivery | RetryableApiError:
        """One attempt's answer: how the send ended, or the retryable failure to decide on; logged either way."""
        attempts.count += 1
        request, action = attempts.request, attempts.action
        if logger.isEnabledFor(logging.DEBUG):
            answer = type(error).__name__ if error is not None else str(response.status_code if response else "?")
            logger.debug("%s %s -> %s in %.0f ms (attempt %d, action %s)", request.method, request_url(self.connection, request),
                         answer, elapsed * 1000, attempts.count, action)
        if error is not None:
            failure = transport_error(error, request, action=action)
            return failure if isinstance(failure, RetryableApiError) else attempts.ended(error=failure)
        assert response is not None
        try:
            status, body, refused = read_answer(response, request, self.connection, action=action)
        except RetryableApiError as exc:
            return exc
        except CioConnectorError as exc:
            return attempts.ended(error=exc)
        return attempts.ended(status=status, json=body, refused=refused)


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
        return self.deliver(request, action=action).response()

    def deliver(self, request: ApiRequest, *, action: str | None = None) -> Delivery:
        """``send`` that returns how it ended instead of raising (a 2xx's refused ``errors[]`` items included)."""
        attempts = Attempts(request, action, self.retry)
        while True:
            response = error = None
            started = time.perf_counter()
            try:
                response = self._receive(attempts)
            except httpx.HTTPError as exc:
                error = exc
            settled = self._settle(attempts, response, error, time.perf_counter() - started)
            if isinstance(settled, Delivery):
                return settled
            step = attempts.retry_or_stop(settled)
            if isinstance(step, Delivery):
                return step
            self._sleep(step)

    def _receive(self, attempts: Attempts) -> httpx.Response:
        """One attempt, its answer read in chunks so a trickling server cannot outlast the deadline."""
        response = self._http.send(self._http_request(attempts), stream=True)
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
        return (await self.deliver(request, action=action)).response()

    async def deliver(self, request: ApiRequest, *, action: str | None = None, pacing: Pacing = UNPACED) -> Delivery:
        """``CioClient.deliver`` for asyncio, paced by the caller: bulk's rate budget waits before each attempt
        (not charged to the deadline), hears each retryable failure and may forbid the retry."""
        attempts = Attempts(request, action, self.retry)
        while True:
            waiting = time.monotonic()
            await pacing.before_attempt()
            attempts.pause(time.monotonic() - waiting)
            response = error = None
            started = time.perf_counter()
            try:
                async with asyncio.timeout(max(attempts.remaining(), 0.001)):
                    response = await self._http.send(self._http_request(attempts))
            except httpx.HTTPError as exc:
                error = exc
            except TimeoutError:
                error = _DeadlinePassed("the answer was still arriving at the deadline")
            settled = self._settle(attempts, response, error, time.perf_counter() - started)
            if isinstance(settled, Delivery):
                return settled
            step = attempts.retry_or_stop(settled, allowed=await pacing.after_failure(settled))
            if isinstance(step, Delivery):
                return step
            await self._sleep(step)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncCioClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def async_client(
    connection: Connection, *, in_flight: int, timeout: float, retry: RetryPolicy | None = None,
    transport: AsyncTransport | None = None,
) -> AsyncCioClient:
    """An ``AsyncCioClient`` for ``in_flight`` sends at once (bulk): that many connections, all kept
    alive; ``timeout`` seconds for each attempt's answer (5 to connect), cut to the retry deadline.

    Over httpx's own pool unless ``transport`` is given: a bulk run sends a few large batches, so
    the per-request pool cost aiohttp saves a host does not show, while importing aiohttp (with
    its TLS set-up) would be a large part of a short run's start-up."""
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    if transport is None:
        transport = httpx.AsyncHTTPTransport(limits=limits)
    return AsyncCioClient(connection, transport=transport, timeout=httpx.Timeout(timeout, connect=5.0), retry=retry,
                          limits=limits)
