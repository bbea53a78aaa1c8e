"""``--rate-store``: the Redis URL checked once, before any record is sent (never echoing its password)."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import CioConnectorError

__all__ = ["RateStoreError", "check_rate_store", "shown_store"]

_SCHEMES = ("redis", "rediss", "unix")
_CHECK_SECONDS = 3.0


class RateStoreError(CioConnectorError):
    """The shared rate store is malformed or does not answer: nothing was sent."""


def shown_store(url: str) -> str:
    """The URL without its user and password."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"{url.partition('://')[0]}://..."
    return f"{parts.scheme}://{host}{port}{parts.path}"


def check_rate_store(url: str) -> None:
    """Raise ``RateStoreError`` unless ``url`` is a redis URL whose server answers PING."""
    shown = shown_store(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise RateStoreError(f"--rate-store {shown}: the port is not a number (0-65535)") from None
    if parts.scheme not in _SCHEMES:
        raise RateStoreError(f"--rate-store {shown}: not a Redis URL; use redis://host:port/db (or rediss://, unix://)")
    if parts.scheme != "unix" and not parts.hostname:
        raise RateStoreError(f"--rate-store {shown}: names no host; use redis://host:port/db")
    try:
        import redis
    except ImportError:
        raise RateStoreError("--rate-store needs redis-py: pip install 'cio-connector[bulk]'") from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=_CHECK_SECONDS, socket_timeout=_CHECK_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    except (ValueError, redis.RedisError, OSError) as exc:
        reason = str(exc).replace(url, shown)
        if parts.password:
            reason = reason.replace(parts.password, "***")
        raise RateStoreError(f"--rate-store {shown}: does not answer: {reason}") from None
