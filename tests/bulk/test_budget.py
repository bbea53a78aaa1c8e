"""Token buckets: burst then rate, a 429 slows and pauses the bucket; the Redis script gives the same answers."""

from __future__ import annotations

import asyncio
import time

import pytest

from cio_connector.bulk.budget import LocalBucket, RateSettings, RedisBucket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_its_rate():
    clock = Clock()
    bucket = LocalBucket(RateSettings.of(10, burst=3), clock=clock)
    assert [bucket.try_acquire() for _ in range(3)] == [0, 0, 0]
    assert bucket.try_acquire() == pytest.approx(0.1)
    clock.now += 0.1
    assert bucket.try_acquire() == 0
    assert bucket.try_acquire() == pytest.approx(0.1)


def test_the_default_burst_is_a_tenth_of_the_rate():
    assert RateSettings.of(1000).burst == 100
    assert RateSettings.of(10).burst == 1


def test_a_429_pauses_for_retry_after_and_halves_the_rate_until_it_recovers():
    clock = Clock()
    bucket = LocalBucket(RateSettings.of(10, burst=1), clock=clock)
    bucket.penalize_now(2.0)
    assert bucket.try_acquire() == pytest.approx(2.0)
    clock.now += 2.0
    assert bucket.try_acquire() == pytest.approx(1 / (10 * 0.5))  # resumes empty, at half speed
    clock.now += 30
    assert bucket.try_acquire() == 0
    assert bucket.try_acquire() == pytest.approx(0.1)  # back to full speed


def test_without_retry_after_a_429_pauses_one_slowed_interval():
    clock = Clock()
    bucket = LocalBucket(RateSettings.of(10, burst=1), clock=clock)
    bucket.penalize_now(None)
    assert bucket.try_acquire() == pytest.approx(0.2)


def test_the_redis_bucket_shares_one_budget_between_clients(redis_url):
    settings = RateSettings.of(20, burst=2)

    async def main() -> list[float]:
        buckets = [RedisBucket(redis_url, f"test:{time.time_ns()}", settings)]
        buckets.append(RedisBucket(redis_url, buckets[0].key, settings))
        taken: list[float] = []

        async def worker(bucket: RedisBucket) -> None:
            for _ in range(10):
                await bucket.acquire()
                taken.append(time.monotonic())

        start = time.monotonic()
        await asyncio.gather(*(worker(b) for b in buckets))
        for bucket in buckets:
            await bucket.aclose()
        return [t - start for t in taken]

    taken = asyncio.run(main())
    # 20 tokens at 20/s with a burst of 2: the last is taken no sooner than (20 - 2) / 20 s.
    assert len(taken) == 20 and max(taken) >= 0.85


def test_a_redis_429_pauses_every_client(redis_url):
    async def main() -> float:
        key = f"test:{time.time_ns()}"
        first = RedisBucket(redis_url, key, RateSettings.of(100, burst=5))
        second = RedisBucket(redis_url, key, RateSettings.of(100, burst=5))
        await first.penalize(0.5)
        wait = await second._call(False, None)
        await first.aclose()
        await second.aclose()
        return wait

    assert 0.3 < asyncio.run(main()) <= 0.5
