"""The shared cache when it is only a cache: an unreachable Redis costs speed, never the page."""

from __future__ import annotations

import logging
from typing import Any

from .extensions import cache

try:  # only installed with the Redis cache; the other caches never raise on an outage
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError  # type: ignore[misc,assignment]

#: What an unreachable cache server raises.
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)

logger = logging.getLogger(__name__)


def soft_get(key: str) -> Any:
    """Return the cached value, or None when it is missing or the cache is unreachable."""
    try:
        return cache.get(key)
    except CACHE_ERRORS as error:
        logger.warning("cache unreachable, reading %s from the database: %r", key, error)
        return None


def soft_set(key: str, value: Any, timeout: int) -> None:
    """Cache a value if the cache is reachable; otherwise do without."""
    try:
        cache.set(key, value, timeout=timeout)
    except CACHE_ERRORS as error:
        logger.warning("cache unreachable, not caching %s: %r", key, error)
