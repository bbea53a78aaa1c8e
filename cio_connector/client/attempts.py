"""One send's attempts: the retry policy, the deadline, the idempotency rule, and how the send ended."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import CioConnectorError, RetryableApiError
from ..pipeline.request import ApiRequest

if TYPE_CHECKING:  # the status policy imports httpx: a retry policy made for a dry run needs neither
    from .policy import ItemError

__all__ = ["ApiResponse", "Attempts", "Delivery", "Pacing", "RetryPolicy", "UNPACED"]

logger = logging.getLogger("cio_connector.http")  # one logger for every attempt (README)

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


class Pacing(Protocol):
    """What a caller with many sends in flight adds to each one: a rate budget, and a say in retrying."""

    async def before_attempt(self) -> None:
        """Wait for the right to send; the time waited here is not charged to the deadline."""

    async def after_failure(self, error: RetryableApiError) -> bool:
        """Hear of a retryable failure (a 429 may slow the budget); False forbids retrying."""


class _Unpaced:
    async def before_attempt(self) -> None:
        return None

    async def after_failure(self, error: RetryableApiError) -> bool:
        return True


#: No budget and no veto: every attempt goes at once.
UNPACED: Pacing = _Unpaced()


@dataclass(frozen=True)
class Delivery:
    """How one send ended after ``attempts``: accepted (``error`` None), or failed with ``error``.

    An accepted call may still list items its ``errors[]`` refused (a 207): ``refused``. For a
    retryable error, ``gave_up`` says why trying stopped, and whether the last attempt may have landed.
    """

    request: ApiRequest
    attempts: int
    action: str | None = None
    status: int | None = None
    json: Any = None
    refused: tuple[ItemError, ...] = ()
    error: CioConnectorError | None = None
    gave_up: str | None = None

    def response(self) -> ApiResponse:
        """The accepted answer; raises the error the send ended with, a 2xx refusing items included."""
        if self.error is not None:
            # ``from None``: a transport failure's httpx context may quote a header, and so a credential.
            raise self.error from None
        assert self.status is not None
        if self.refused:
            from .policy import refused_items

            raise refused_items(self.status, self.refused, self.request, action=self.action)
        return ApiResponse(self.status, self.json, self.attempts)


class Attempts:
    """The decisions of one send, shared by the sync and async loops: count, deadline, retry or stop."""

    def __init__(self, request: ApiRequest, action: str | None, policy: RetryPolicy) -> None:
        self.request, self.action, self.policy = request, action, policy
        self.count = 0
        self.deadline = time.monotonic() + policy.deadline

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def pause(self, seconds: float) -> None:
        """Time spent waiting on the caller's pacing: the deadline bounds Customer.io's time, not ours."""
        self.deadline += seconds

    def ended(self, **outcome: Any) -> Delivery:
        return Delivery(self.request, self.count, self.action, **outcome)

    def retry_or_stop(self, error: RetryableApiError, *, allowed: bool = True) -> Delivery | float:
        """Seconds to wait before the next attempt, or the failed ``Delivery`` saying why not.

        A request that may have landed (no answer, or one that does not say "not processed") is
        retried only if it is idempotent: retrying could otherwise record an event twice.
        """
        request = self.request
        may_have_landed = not (error.not_sent or error.status in _NOT_PROCESSED)
        if not allowed:
            return self._stop(error, "interrupted before retrying", may_have_landed)
        if may_have_landed and not request.idempotent:
            logger.warning("not retrying %s %s: it may have landed, and it is not idempotent (%s)",
                           request.method, request.path, error)
            return self._stop(error, "not retried: it may have landed, and it is not safe to send twice", False)
        delay = self.policy.delay(self.count, error.retry_after)
        if delay is None:
            return self._stop(error, self._exhausted(error), may_have_landed)
        if delay >= self.remaining():
            logger.info("not retrying %s %s: the %.0f s deadline would pass", request.method, request.path, self.policy.deadline)
            reason = f"gave up after {self._tries()}: the {self.policy.deadline:g} s deadline would pass"
            return self._stop(error, reason, may_have_landed)
        logger.info("retry %d of %s %s in %.2f s after: %s", self.count, request.method, request.path, delay, error)
        return delay

    def _exhausted(self, error: RetryableApiError) -> str:
        wait = error.retry_after
        if wait is not None and wait > self.policy.max_retry_after and self.count <= self.policy.max_retries:
            return f"gave up after {self._tries()}: Customer.io asked to wait {wait:g} s, over {self.policy.max_retry_after:g} s"
        return f"gave up after {self._tries()}"

    def _tries(self) -> str:
        return "1 attempt" if self.count == 1 else f"{self.count} attempts"

    def _stop(self, error: RetryableApiError, reason: str, may_have_landed: bool) -> Delivery:
        if may_have_landed:
            reason += "; the last attempt may have landed"
        return self.ended(error=error, gave_up=reason)
