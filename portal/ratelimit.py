"""Rate limits kept in the Django cache (Redis in production), by client address or user.

Two ways to use them:
- the `rate_limit` decorator on a view:

      from portal.ratelimit import rate_limit

      @rate_limit("upload", rate="30/600", key="user")   # 30 POSTs per 10 minutes per user
      def upload_file(request, pk, slot): ...

- `RateLimitMiddleware` with the table `RATE_LIMITS` (settings may override it) for views we
  do not decorate, matched by URL name: the sign-in POST (`login`), password reset
  (`password_reset`, when such a view exists), and every public page that looks something up by
  a key anyone can try (certificate numbers, vote receipts, the vote's SMS code).
- `over_limit` + `check` for a public look-up where only the misses count (`MISS_LIMITS`, settings
  `RATE_LIMIT_MISSES`): the view refuses an address already over the limit before looking, and
  counts each key that finds nothing, so guessing stops while ordinary use is never counted.

Fixed windows: the counter's key carries the window's number, `add` then `incr` is atomic in
Redis and in the local memory cache. Over the limit the answer is 429 with a Chinese page and
`Retry-After`. When the cache itself is unavailable the limit is not enforced (logged): a Redis
outage must not lock everyone out; the sign-in lockout of django-axes (database) still holds.
The client address is the one `review.voting.limits.client_ip` trusts (VOTE_TRUSTED_PROXIES:
the reverse proxy's X-Forwarded-For).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger("portal.ratelimit")

# url name → (rate "count/seconds", key "ip" or "user", methods)
DEFAULT_RATE_LIMITS = {
    # Sign-in: per address, every POST counts. Generous enough for one office behind one NAT;
    # django-axes locks a user name after 5 failures on top of this.
    "login": ("60/600", "ip", ("POST",)),
    "password_reset": ("10/3600", "ip", ("POST",)),
    # Uploads: per account; a whole package is 5–10 files, a retry storm is not.
    "cases:upload_file": ("60/600", "user", ("POST",)),
    # Public look-ups by a guessable key, per address, every request counts (like sign-in):
    # certificate verification (a number per look-up) and ballot receipts (one per ballot, and
    # ballots are limited per address far below this); the vote's SMS codes are also limited per
    # phone (review.voting.limits), this stops one address trying codes across many phones.
    "review:certificate_verify": ("60/600", "ip", ("GET", "HEAD")),
    "review:vote_receipt": ("60/600", "ip", ("GET", "HEAD")),
    "review:vote_verify": ("30/600", "ip", ("POST",)),
    # Links carrying a secret token (password reset, registration invitation): a guesser is limited
    # per address like any other public look-up by key.
    "password_reset_confirm": ("30/600", "ip", ("GET", "HEAD", "POST")),
    "accounts:register_invited": ("30/600", "ip", ("GET", "HEAD", "POST")),
    # The public campaign page's Word attachments are built on each request: an office downloading
    # all six a few times is far below this, a loop is not.
    "campaign_attachment": ("60/600", "ip", ("GET", "HEAD")),
}

# url name → rate of the look-ups that find nothing, per address. For public pages where counting
# every request would refuse honest visitors: the vote gallery shows hundreds of photos, and
# many voters on one mobile carrier share an address.
DEFAULT_MISS_LIMITS = {
    "review:vote_photo": "60/600",
    # The public pages of one case by its id (issue 20): a candidate's page, its QR code and
    # thumbnails; the showcase's case pages, QR codes, photos, posters and videos.
    "review:vote_thumb": "60/600",
    "review:vote_candidate": "60/600",
    "review:vote_candidate_qr": "60/600",
    "showcase:case": "60/600",
    "showcase:case_qr": "60/600",
    "showcase:video": "60/600",
    "showcase:media": "60/600",
}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        limit, period = text.split("/")
        return cls(int(limit), int(period))


def client_ip(request) -> str:
    from review.voting.limits import client_ip as trusted_client_ip

    return trusted_client_ip(request)


def _identity(request, key) -> str:
    if callable(key):
        return str(key(request))
    if key == "user" and getattr(request, "user", None) is not None and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request)}"


def _window(bucket: str, identity: str, rate: Rate, now: float) -> tuple[str, int]:
    """(cache key of the current window, seconds until it ends)."""
    window = int(now // rate.period)
    retry_after = max(1, int((window + 1) * rate.period - now))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"ratelimit:{bucket}:{digest}:{window}", retry_after


def hit(bucket: str, identity: str, rate: Rate, *, now: float | None = None) -> tuple[bool, int]:
    """Count one use; returns (allowed, seconds until the window ends)."""
    now = time.time() if now is None else now
    cache_key, retry_after = _window(bucket, identity, rate, now)
    try:
        cache.add(cache_key, 0, rate.period + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # evicted between add and incr
            cache.add(cache_key, 1, rate.period + 1)
            count = 1
    except Exception as error:  # the cache is down: do not lock everyone out
        logger.warning("rate limit %s not enforced, cache unavailable: %s", bucket, error)
        return True, 0
    return count <= rate.limit, retry_after


def too_many_requests(retry_after: int) -> HttpResponse:
    minutes = max(1, -(-retry_after // 60))
    message = _("Too many attempts in a short time. Wait %(minutes)d minutes and try again.") % {"minutes": minutes}
    response = HttpResponse(render_to_string("errors/429.html", {"message": message}), status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def check(request, bucket: str, *, rate: str | Rate, key="ip") -> HttpResponse | None:
    """Count this request in `bucket`; the 429 response when over the limit, else None."""
    rate = rate if isinstance(rate, Rate) else Rate.parse(rate)
    allowed, retry_after = hit(bucket, _identity(request, key), rate)
    if allowed:
        return None
    logger.warning("rate limit %s exceeded", bucket, extra={"bucket": bucket, "path": request.path})
    return too_many_requests(retry_after)


def over_limit(request, bucket: str, *, rate: str | Rate, key="ip") -> HttpResponse | None:
    """The 429 response when this request's identity has already used up `bucket` in the current
    window, else None. Counts nothing (pair it with `check` on the uses that should count)."""
    rate = rate if isinstance(rate, Rate) else Rate.parse(rate)
    cache_key, retry_after = _window(bucket, _identity(request, key), rate, time.time())
    try:
        count = cache.get(cache_key) or 0
    except Exception as error:  # the cache is down: do not lock everyone out
        logger.warning("rate limit %s not enforced, cache unavailable: %s", bucket, error)
        return None
    if count < rate.limit:
        return None
    logger.warning("rate limit %s exceeded", bucket, extra={"bucket": bucket, "path": request.path})
    return too_many_requests(retry_after)


def miss_rate(name: str) -> Rate:
    """The rate of look-ups finding nothing allowed on the public page `name` (MISS_LIMITS)."""
    return Rate.parse(getattr(settings, "RATE_LIMIT_MISSES", DEFAULT_MISS_LIMITS)[name])


def limit_misses(name: str):
    """View decorator for a public page that finds something by an id in its address: an address
    whose ids keep finding nothing (404) is refused for a while (MISS_LIMITS[name]); pages found
    are never counted."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            rate = miss_rate(name)
            refused = over_limit(request, name, rate=rate)
            if refused is not None:
                return refused
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                check(request, name, rate=rate)
                raise
            if response.status_code == 404:
                check(request, name, rate=rate)
            return response
        return wrapped
    return decorator


def rate_limit(bucket: str, *, rate: str, key="ip", methods: tuple[str, ...] = ("POST",)):
    """View decorator: at most `rate` ("count/seconds") requests with one of `methods` per
    `key` ("ip", "user" — falls back to the address when signed out — or a function of the
    request returning a string)."""
    parsed = Rate.parse(rate)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                refused = check(request, bucket, rate=parsed, key=key)
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class RateLimitMiddleware:
    """Applies RATE_LIMITS (settings, else DEFAULT_RATE_LIMITS) by URL name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        rule = getattr(settings, "RATE_LIMITS", DEFAULT_RATE_LIMITS).get(match.view_name if match else None)
        if rule is None:
            return None
        rate, key, methods = rule
        if request.method not in methods:
            return None
        return check(request, match.view_name, rate=rate, key=key)
