"""A Redis cache that survives a Redis outage: every operation that cannot reach Redis logs a
warning and answers as if the key were absent, so pages keep rendering (sessions are read through
it but kept in the database, portal/sessions.py). After a failure the cache skips Redis for a few
seconds instead of paying a connection attempt on every call.

What degrades while Redis is down: counters (sign-in and vote rate limits) start from zero,
cached reads are recomputed, and tasks wait in the database until the requeue job can queue them
(that is the broker, not this cache; /readyz says "Redis 不可用"). What cannot work without it asks
`cache_is_available()` and says so plainly (the vote's SMS codes and their limits live here).
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("portal.cache")

RETRY_AFTER_SECONDS = 5.0


def _tolerant(name: str, fallback):
    def method(self, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback(*args, **kwargs)
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except RedisError as error:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("cache unavailable (%s: %s); answering without it", type(error).__name__, error)
            return fallback(*args, **kwargs)

    method.__name__ = name
    return method


class ClientPerPool(RedisCacheClient):
    """Django's client builds a new redis.Redis for every cache call, and redis-py's constructor
    fills a table of some 170 response callbacks each time: about a third of the CPU a signed-in
    request spent before its view (bench/README-pages.md). One redis.Redis per connection pool
    instead; it is safe to share between threads (each command takes a connection from the pool)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class TolerantRedisCache(RedisCache):
    # Per instance (Django keeps one per thread and alias): one thread's outage does not
    # outlive a settings change in tests.
    _down_until = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ClientPerPool

    get = _tolerant("get", lambda key, default=None, version=None: default)
    get_many = _tolerant("get_many", lambda keys, version=None: {})
    has_key = _tolerant("has_key", lambda key, version=None: False)
    set = _tolerant("set", lambda *args, **kwargs: None)
    add = _tolerant("add", lambda *args, **kwargs: False)
    set_many = _tolerant("set_many", lambda data, *args, **kwargs: list(data))
    touch = _tolerant("touch", lambda *args, **kwargs: False)
    delete = _tolerant("delete", lambda *args, **kwargs: False)
    delete_many = _tolerant("delete_many", lambda *args, **kwargs: None)
    clear = _tolerant("clear", lambda *args, **kwargs: None)
    # A counter that cannot be read starts again: the caller sees its first use.
    incr = _tolerant("incr", lambda key, delta=1, version=None: delta)
    decr = _tolerant("decr", lambda key, delta=1, version=None: -delta)

    def is_available(self) -> bool:
        """Whether Redis answers right now (a PING), remembering an outage like the operations above."""
        if time.monotonic() < self._down_until:
            return False
        try:
            self._cache.get_client(write=True).ping()
        except RedisError as error:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("cache unavailable (%s: %s)", type(error).__name__, error)
            return False
        return True


def cache_is_available(cache) -> bool:
    """Whether `cache` can keep what is put in it now. Caches without an outage mode (local memory
    in the embedded default) always can."""
    probe = getattr(cache, "is_available", None)
    return True if probe is None else probe()
