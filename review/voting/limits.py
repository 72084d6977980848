"""Rate limits of the public vote, kept in the cache (Redis with REDIS_URL; the local memory
cache in the embedded default, which limits per process only — fine for development).

Identity of a request:
- the real client address: REMOTE_ADDR, unless it is a trusted proxy (settings.VOTE_TRUSTED_PROXIES,
  CIDRs), in which case X-Forwarded-For is read from the right, skipping trusted proxies — the
  left-most entries are whatever the client sent and are never trusted;
- its block: the /24 of an IPv4 address, the /64 of an IPv6 address (one household, one office NAT,
  one mobile carrier's customer);
- a device cookie (random, signed) and its keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from redis.exceptions import RedisError

from portal.cache import RETRY_AFTER_SECONDS as CACHE_RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "vote_device"
DEVICE_COOKIE_AGE = 60 * 60 * 24 * 90

# (limit, window seconds) per bucket; settings.VOTE_LIMITS may override any entry.
DEFAULT_LIMITS = {
    "code_phone_cooldown": (1, 60),
    "code_phone_day": (5, 86400),
    "code_ip_hour": (10, 3600),
    "code_block_hour": (60, 3600),
    "code_device_day": (6, 86400),
    "verify_phone_failures": (5, 1800),  # wrong codes before the phone is locked out for the window
    "ballot_ip_hour": (20, 3600),
    "ballot_block_hour": (120, 3600),
    "ballot_device_day": (3, 86400),
}


def limit_of(name: str) -> tuple[int, int]:
    return getattr(settings, "VOTE_LIMITS", {}).get(name, DEFAULT_LIMITS[name])


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(getattr(settings, "VOTE_TRUSTED_PROXIES", ()))))


def client_ip(request) -> str:
    """The real client address (see the module docstring)."""
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    if not _trusted(remote):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _trusted(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote
    return remote


def address_block(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "invalid"
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def keyed_hash(kind: str, value: str) -> str:
    """HMAC-SHA256 with settings.VOTE_HASH_KEY (or SECRET_KEY): phones and devices are stored only so."""
    key = (getattr(settings, "VOTE_HASH_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def new_device_cookie() -> str:
    return signing.dumps(secrets.token_urlsafe(16), salt="vote-device")


def device_token(request) -> str | None:
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        return signing.loads(raw, salt="vote-device", max_age=DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return None


@dataclass(frozen=True)
class ClientInfo:
    ip: str
    block: str
    device_hash: str
    user_agent: str

    @classmethod
    def from_request(cls, request) -> "ClientInfo":
        ip = client_ip(request)
        token = device_token(request)
        return cls(ip=ip, block=address_block(ip), device_hash=keyed_hash("device", token) if token else "",
                   user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])


def ballot_buckets(client: ClientInfo) -> tuple[tuple[str, str], ...]:
    """The ballot limits that apply to a client: per address, per address block and, when it
    carries the device cookie, per device. Known before the phone is even typed, so the phone
    step asks them too (no SMS for a ballot that would be refused) and the ballot counts them."""
    buckets = (("ballot_ip_hour", client.ip), ("ballot_block_hour", client.block))
    if client.device_hash:
        buckets += (("ballot_device_day", client.device_hash),)
    return buckets


def ballot_limit_reached(client: ClientInfo) -> bool:
    """Whether one more ballot from this address, block or device would be refused (nothing counted)."""
    return any_exceeded(ballot_buckets(client))


class LimitsUnavailable(Exception):
    """The limits cannot be counted now (Redis is down): whatever they guard must be refused."""


def _cache_key(name: str, key: str) -> str:
    return f"vote:{name}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def hit(name: str, key: str) -> bool:
    """Count one use of bucket `name` for `key`; False once the bucket's limit is exceeded.
    Fixed windows; add-then-incr is atomic in Redis and in the local memory cache."""
    limit, window = limit_of(name)
    cache_key = _cache_key(name, key)
    cache.add(cache_key, 0, window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, window)
        count = 1
    return count <= limit


def hit_all(buckets: tuple[tuple[str, str], ...]) -> bool:
    """Count one use of every (name, key) bucket; False when any of them is now over its limit.

    With Redis: one pipelined round trip (SET NX with the window, then INCR, per bucket) instead of
    two per bucket, on the busiest request of the vote. Every bucket counts even when an earlier one
    is already over (as a refused attempt should). Raises LimitsUnavailable when Redis cannot be
    reached: the caller must refuse what the limits guard rather than let it through uncounted
    (the tolerant cache would answer "first use" for every counter). Other caches (the local memory
    cache of the embedded default) count one by one with hit()."""
    client = _redis_client()
    if client is None:
        return all([hit(name, key) for name, key in buckets])
    pipe = client.pipeline(transaction=False)
    limits_ = []
    for name, key in buckets:
        limit, window = limit_of(name)
        redis_key = cache.make_and_validate_key(_cache_key(name, key))
        pipe.set(redis_key, 0, ex=window, nx=True)
        pipe.incr(redis_key)
        limits_.append(limit)
    try:
        replies = pipe.execute()
    except RedisError as error:
        _mark_down(error)
        raise LimitsUnavailable from error
    counts = replies[1::2]
    return all(count <= limit for count, limit in zip(counts, limits_))


def _redis_client():
    """The raw Redis client behind the cache (None for other caches); LimitsUnavailable while the
    tolerant cache remembers an outage (portal.cache: it skips Redis for a few seconds)."""
    inner = getattr(cache, "_cache", None)
    if inner is None or not hasattr(inner, "get_client"):
        return None
    if time.monotonic() < getattr(cache, "_down_until", 0.0):
        raise LimitsUnavailable
    try:
        return inner.get_client(write=True)
    except RedisError as error:
        _mark_down(error)
        raise LimitsUnavailable from error


def _mark_down(error: Exception) -> None:
    logger.warning("vote limits cannot be counted, Redis unavailable (%s: %s)", type(error).__name__, error)
    if hasattr(cache, "_down_until"):
        cache._down_until = time.monotonic() + CACHE_RETRY_AFTER_SECONDS


def exceeded(name: str, key: str) -> bool:
    """Whether the bucket is already over its limit, without counting."""
    limit, _window = limit_of(name)
    return (cache.get(_cache_key(name, key)) or 0) >= limit


def any_exceeded(buckets: tuple[tuple[str, str], ...]) -> bool:
    """Whether any of the buckets is already over its limit, without counting (one round trip)."""
    keys = {_cache_key(name, key): limit_of(name)[0] for name, key in buckets}
    counts = cache.get_many(list(keys))
    return any((counts.get(cache_key) or 0) >= limit for cache_key, limit in keys.items())


def reset(name: str, key: str) -> None:
    cache.delete(_cache_key(name, key))
