"""Test controls: rate limits, seeded fault injection and the request log, shared by all requests."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .customerio_rules import APP_REQUESTS_PER_SECOND, TRACK_REQUESTS_PER_SECOND, TRANSACTIONAL_REQUESTS_PER_SECOND

__all__ = ["RATE_LIMIT_PRESETS", "Api", "Budget", "Controls", "FaultDecision", "Faults", "RateLimits"]

Api = Literal["track", "app"]
#: What a rate limit counts: the Track API, transactional sends, or the App API's other calls.
Budget = Literal["track", "app", "transactional"]
_BUDGETS: tuple[Budget, ...] = ("track", "app", "transactional")
_LOG_SIZE = 10_000
_WINDOW_SECONDS = 1.0
RATE_LIMIT_PRESETS = ("customerio",)


@dataclass(frozen=True)
class RateLimits:
    """Requests per second per API; None means unlimited (the default, so tests are not flaky)."""

    track: int | None = None
    app: int | None = None
    transactional: int | None = None
    retry_after: float | None = None  # seconds; Customer.io documents no Retry-After, so off by default

    @classmethod
    def customerio(cls) -> RateLimits:
        """Customer.io's documented limits (Track 1000/s, transactional sends 100/s, other App calls 10/s)."""
        return cls(
            track=TRACK_REQUESTS_PER_SECOND, app=APP_REQUESTS_PER_SECOND, transactional=TRANSACTIONAL_REQUESTS_PER_SECOND
        )

    @classmethod
    def preset(cls, name: Any) -> RateLimits:
        """A named preset; ValueError names the known ones."""
        if name == "customerio":
            return cls.customerio()
        known = ", ".join(RATE_LIMIT_PRESETS)
        raise ValueError(f"unknown rate limit preset {name!r}; known presets: {known}")

    def __post_init__(self) -> None:
        for name in _BUDGETS:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive integer or null")
        if self.retry_after is not None and (isinstance(self.retry_after, bool) or self.retry_after < 0):
            raise ValueError("retry_after must be a non-negative number or null")


@dataclass(frozen=True)
class Faults:
    """What fraction of API requests fail, and how; draws come from ``random.Random(seed)``."""

    error_rate: float = 0.0
    statuses: tuple[int, ...] = (500, 503)
    delay_rate: float = 0.0
    delay_seconds: float = 0.0
    drop_rate: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "delay_rate", "drop_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number between 0 and 1")
        if not self.statuses or any(not isinstance(s, int) or not 400 <= s <= 599 for s in self.statuses):
            raise ValueError("statuses must be a non-empty list of 4xx/5xx status codes")
        if isinstance(self.delay_seconds, bool) or not 0 <= self.delay_seconds <= 60:
            raise ValueError("delay_seconds must be between 0 and 60")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise ValueError("seed must be a whole number (or null for a fresh one each time)")
        object.__setattr__(self, "statuses", tuple(self.statuses))

    @property
    def active(self) -> bool:
        return bool(self.error_rate or self.drop_rate or (self.delay_rate and self.delay_seconds))


@dataclass(frozen=True)
class FaultDecision:
    delay: float = 0.0
    drop: bool = False
    status: int | None = None


@dataclass
class Controls:
    """Mutable, locked settings the /_sandbox routes change and the gateway consults."""

    rate_limits: RateLimits = field(default_factory=RateLimits)
    faults: Faults = field(default_factory=Faults)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self._windows: dict[str, deque[float]] = {name: deque() for name in _BUDGETS}
        self._log: deque[dict[str, Any]] = deque(maxlen=_LOG_SIZE)
        self._counts: Counter[str] = Counter()

    def reset(self) -> None:
        with self._lock:
            self.rate_limits, self.faults = RateLimits(), Faults()
            self._rng = random.Random(None)
            self._log.clear()
            self._counts.clear()
            for window in self._windows.values():
                window.clear()

    def set_rate_limits(self, limits: RateLimits) -> None:
        with self._lock:
            self.rate_limits = limits
            for window in self._windows.values():
                window.clear()

    def set_faults(self, faults: Faults) -> None:
        rng = random.Random(faults.seed)  # before anything changes: a seed it refuses applies nothing
        with self._lock:
            self.faults, self._rng = faults, rng

    def over_rate_limit(self, api: Budget) -> bool:
        """Sliding one-second window of accepted requests; True means answer 429."""
        limit = getattr(self.rate_limits, api)
        if limit is None:
            return False
        now = time.monotonic()
        with self._lock:
            window = self._windows[api]
            while window and now - window[0] >= _WINDOW_SECONDS:
                window.popleft()
            if len(window) >= limit:
                return True
            window.append(now)
            return False

    def draw_fault(self) -> FaultDecision:
        """Three draws per request, always in the same order, so a seed gives one sequence."""
        with self._lock:
            faults = self.faults
            if not faults.active:
                return FaultDecision()
            delay_draw, drop_draw, error_draw = self._rng.random(), self._rng.random(), self._rng.random()
            status = self._rng.choice(faults.statuses)
        return FaultDecision(
            delay=faults.delay_seconds if delay_draw < faults.delay_rate else 0.0,
            drop=drop_draw < faults.drop_rate,
            status=status if error_draw < faults.error_rate else None,
        )

    def log(
        self, method: str, path: str, api: str, region: str | None, status: int | None, note: str = ""
    ) -> None:
        """Record a request: never headers, never bodies (they may hold credentials or PII)."""
        entry = {
            "method": method,
            "path": path,
            "api": api,
            "region": region,
            "status": status,
            "at": time.time(),
        }
        if note:
            entry["note"] = note
        with self._lock:
            self._log.append(entry)
            self._counts["total"] += 1
            self._counts[f"api:{api}"] += 1
            self._counts[f"status:{status if status is not None else 'dropped'}"] += 1

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._log]

    def summary(self) -> dict[str, Any]:
        with self._lock:
            counts = dict(self._counts)
        return {
            "total": counts.get("total", 0),
            "by_api": {k[4:]: v for k, v in sorted(counts.items()) if k.startswith("api:")},
            "by_status": {k[7:]: v for k, v in sorted(counts.items()) if k.startswith("status:")},
        }

    def settings(self) -> dict[str, Any]:
        with self._lock:
            faults = asdict(self.faults)
            faults["statuses"] = list(faults["statuses"])
            return {"rate_limits": asdict(self.rate_limits), "faults": faults}
