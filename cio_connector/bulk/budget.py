"""Rate budgets: one token-bucket algorithm, kept in-process or in Redis so several workers share it.

The bucket refills at ``rate`` requests/second up to ``burst``. A 429 halves the bucket's speed
(down to a tenth), empties it and pauses it for ``Retry-After`` (or one refill interval); the
speed then recovers linearly over about ten seconds. The Redis store runs the same steps in one
Lua script, so concurrent workers cannot both take the last token.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["Budget", "LocalBucket", "RedisBucket", "RateSettings", "open_budget"]

_MIN_FACTOR = 0.1
_RECOVERY_PER_SECOND = 0.1  # factor regained per second after a 429
_MAX_WAIT = 60.0


@dataclass(frozen=True)
class RateSettings:
    """Requests per second for one API, and how many may go at once after a quiet spell."""

    rate: float
    burst: float

    @classmethod
    def of(cls, rate: float, burst: float | None = None) -> RateSettings:
        if rate <= 0:
            raise ValueError("a rate must be a positive number of requests per second")
        return cls(rate, burst if burst is not None else max(1.0, rate / 10))


class Budget(Protocol):
    async def acquire(self) -> None: ...
    async def penalize(self, retry_after: float | None) -> None: ...
    async def aclose(self) -> None: ...


def _step(state: list[float], now: float, rate: float, burst: float) -> None:
    """Refill ``state`` = [tokens, stamp, factor, paused_until] up to ``now`` (the Lua script mirrors this).

    Nothing refills during a pause: the bucket resumes empty, at the slowed speed.
    """
    if now < state[3]:
        return
    elapsed = max(0.0, now - max(state[1], state[3]))
    state[2] = min(1.0, state[2] + elapsed * _RECOVERY_PER_SECOND)
    state[0] = min(burst, state[0] + elapsed * rate * state[2])
    state[1] = max(state[1], now)  # never back: a caller whose clock read is older must not re-credit time


class LocalBucket:
    """The bucket in this process; asyncio tasks share it."""

    def __init__(self, settings: RateSettings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._state = [settings.burst, clock(), 1.0, 0.0]

    def try_acquire(self) -> float:
        """0 when a token was taken, else the seconds to wait before asking again."""
        now = self._clock()
        state, rate = self._state, self.settings.rate
        _step(state, now, rate, self.settings.burst)
        if now < state[3]:
            return state[3] - now
        if state[0] >= 1:
            state[0] -= 1
            return 0.0
        return (1 - state[0]) / (rate * state[2])

    def penalize_now(self, retry_after: float | None) -> None:
        now = self._clock()
        state = self._state
        _step(state, now, self.settings.rate, self.settings.burst)
        state[2] = max(_MIN_FACTOR, state[2] / 2)
        state[0] = 0.0
        pause = retry_after if retry_after is not None else 1 / (self.settings.rate * state[2])
        state[3] = max(state[3], now + min(pause, _MAX_WAIT))

    async def acquire(self) -> None:
        while (wait := self.try_acquire()) > 0:
            await asyncio.sleep(wait)

    async def penalize(self, retry_after: float | None) -> None:
        self.penalize_now(retry_after)

    async def aclose(self) -> None:
        return None


# KEYS[1] the bucket; ARGV: now, rate, burst, penalize (0/1), retry_after (-1: none).
# Returns microseconds to wait (0: a token was taken). Time comes from the caller: workers share a host
# clock, and a script that reads TIME is refused by older Redis replication modes.
_SCRIPT = """
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 'tokens', 'stamp', 'factor', 'paused')
local tokens, stamp = tonumber(s[1]) or burst, tonumber(s[2]) or now
local factor, paused = tonumber(s[3]) or 1, tonumber(s[4]) or 0
if now >= paused then
  local elapsed = math.max(0, now - math.max(stamp, paused))
  factor = math.min(1, factor + elapsed * RECOVERY)
  tokens = math.min(burst, tokens + elapsed * rate * factor)
  stamp = math.max(stamp, now)
end
local wait = 0
if ARGV[4] == '1' then
  factor = math.max(MIN_FACTOR, factor / 2)
  tokens = 0
  local pause = tonumber(ARGV[5])
  if pause < 0 then pause = 1 / (rate * factor) end
  paused = math.max(paused, now + math.min(pause, MAX_WAIT))
elseif now < paused then
  wait = paused - now
elseif tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / (rate * factor)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(stamp),
           'factor', tostring(factor), 'paused', tostring(paused))
redis.call('EXPIRE', KEYS[1], 3600)
return math.ceil(wait * 1000000)
"""
for _name, _value in (("RECOVERY", _RECOVERY_PER_SECOND), ("MIN_FACTOR", _MIN_FACTOR), ("MAX_WAIT", _MAX_WAIT)):
    _SCRIPT = _SCRIPT.replace(_name, repr(_value))


class RedisBucket:
    """The same bucket in Redis (redis-py's asyncio client), shared by every worker using ``key``."""

    def __init__(self, url: str, key: str, settings: RateSettings) -> None:
        try:
            from redis import asyncio as aioredis
        except ImportError:  # pragma: no cover - the bulk extra installs it
            raise RuntimeError("--rate-store redis:// needs redis-py: pip install 'cio-connector[bulk]'") from None
        self.settings = settings
        self.key = key
        self._redis: Any = aioredis.from_url(url)
        self._script = self._redis.register_script(_SCRIPT)

    async def _call(self, penalize: bool, retry_after: float | None) -> float:
        args: list[str | float] = [repr(time.time()), self.settings.rate, self.settings.burst, "1" if penalize else "0",
                                   -1 if retry_after is None else retry_after]
        micros = await self._script(keys=[self.key], args=args)
        return int(micros) / 1_000_000

    async def acquire(self) -> None:
        while (wait := await self._call(False, None)) > 0:
            await asyncio.sleep(wait)

    async def penalize(self, retry_after: float | None) -> None:
        await self._call(True, retry_after)

    async def aclose(self) -> None:
        await self._redis.aclose()


def open_budget(api: str, settings: RateSettings, *, store: str | None, workspace: str) -> Budget:
    """A bucket for one API: local, or in the Redis at ``store`` keyed by workspace (hashed) and API."""
    if store is None:
        return LocalBucket(settings)
    if not store.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"rate store {store!r} is not a redis:// URL")
    digest = hashlib.sha256(workspace.encode()).hexdigest()[:16]
    return RedisBucket(store, f"cio-connector:budget:{digest}:{api}", settings)
