"""Pages that are the same for every anonymous visitor (the vote gallery, a candidate's page, the
showcase), kept rendered in the cache so a link shared in a WeChat group does not cost a render
per phone.

Who is served from the cache: a GET or HEAD carrying no cookie but harmless ones (the CSRF cookie,
the vote's device cookie). Anyone with a session, a pending message or the vote's own pass gets the
page rendered for them, so nothing personal (a verified number, a message) is ever stored or served
to somebody else. A response that sets a cookie or used a CSRF token is never stored.

Invalidation is one generation token: every stored page carries the token it was rendered under,
and `bump_public_pages()` (now and after the commit) replaces it, so every stored page is stale at
once. A hit costs no network round trip: each web process keeps the pages it served and the token,
and asks Redis for the token again at most once a second (GENERATION_RECHECK_SECONDS), so a page
taken down is gone in the process that took it down at once and in every other within a second.
Publishing, unpublishing and a consent change call it (showcase.services); a change of the rows the
pages read that other apps make (the case, its files, the selection, the campaign's vote window)
calls it through the signals connected in showcase.apps. Pages also expire after
`PUBLIC_PAGE_SECONDS` (or sooner when the view says so, e.g. when the vote opens or closes).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import get_language

logger = logging.getLogger("portal.public_cache")

GENERATION_KEY = "public-pages:generation"
PUBLIC_PAGE_SECONDS = 300
MAX_PATH_LENGTH = 600
# How long this process trusts its copy of the generation token and of a page before asking Redis.
GENERATION_RECHECK_SECONDS = 1.0
LOCAL_PAGE_SECONDS = 60
LOCAL_BYTES = 32 * 1024 * 1024
GZIP_MIN_BYTES = 1024  # longer query strings (made-up searches) are rendered, never stored
# Cookies that do not change what a public page shows.
HARMLESS_COOKIES = frozenset({settings.CSRF_COOKIE_NAME, "vote_device"})
HEADER = "X-Public-Cache"
# Browsers and proxies ask again each time (the server's copy is what is cached): a page taken down
# is gone on the next visit. Views that send files set their own `public, max-age=…`.
DEFAULT_CACHE_CONTROL = "public, max-age=0, must-revalidate"


class _Local:
    """This process's copies: the generation token (asked of Redis at most every
    GENERATION_RECHECK_SECONDS) and the pages last served (at most LOCAL_BYTES), so a hit costs
    no network round trip. A bump in this process replaces the token here at once; other web
    processes notice it within GENERATION_RECHECK_SECONDS."""

    def __init__(self):
        self.lock = threading.Lock()
        self.generation: str | None = None
        self.checked_at = float("-inf")
        self.pages: OrderedDict[str, tuple] = OrderedDict()  # key → (generation, expires, stored tuple)
        self.bytes = 0

    def current_generation(self) -> str | None:
        now = time.monotonic()
        if self.generation is not None and now - self.checked_at < GENERATION_RECHECK_SECONDS:
            return self.generation
        generation = cache.get(GENERATION_KEY)
        if generation is None:  # first page since Redis started (or lost the token)
            cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
            generation = cache.get(GENERATION_KEY)
        with self.lock:
            self.generation, self.checked_at = generation, now
        return generation

    def replaced(self, generation: str) -> None:
        with self.lock:
            self.generation, self.checked_at = generation, time.monotonic()
            self.pages.clear()
            self.bytes = 0

    def get(self, key: str, generation: str):
        entry = self.pages.get(key)
        if entry is None or entry[0] != generation or entry[1] < time.monotonic():
            return None
        return entry[2]

    def put(self, key: str, generation: str, stored: tuple) -> None:
        """`stored`: (content type, content, Cache-Control, expires at (epoch seconds), gzipped content or None)."""
        seconds = min(LOCAL_PAGE_SECONDS, stored[3] - time.time())
        size = len(stored[1])
        if seconds <= 0:
            return
        if size > LOCAL_BYTES // 8:
            return
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.bytes -= len(old[2][1])
            self.pages[key] = (generation, time.monotonic() + seconds, stored)
            self.bytes += size
            while self.bytes > LOCAL_BYTES and self.pages:
                _key, (_g, _e, dropped) = self.pages.popitem(last=False)
                self.bytes -= len(dropped[1])


_local = _Local()


def forget_local_copies() -> None:
    """Drop this process's copies (the tests do, with the cache they clear between tests)."""
    with _local.lock:
        _local.generation, _local.checked_at = None, float("-inf")
        _local.pages.clear()
        _local.bytes = 0


def bump_public_pages() -> None:
    """Make every stored public page stale now and again once the current transaction commits: a
    page rendered meanwhile read the rows as they were before the commit."""
    _new_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_new_generation)


def _new_generation() -> None:
    generation = uuid.uuid4().hex
    cache.set(GENERATION_KEY, generation, None)
    _local.replaced(generation)


def is_cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if len(request.get_full_path()) > MAX_PATH_LENGTH:
        return False
    return all(name in HARMLESS_COOKIES for name in request.COOKIES)


def page_key(request) -> str:
    # The host and scheme are part of it: share links and Open Graph URLs on the page are absolute.
    raw = f"{request.scheme}://{request.get_host()}{request.get_full_path()}|{get_language()}"
    return "public-page:3:" + hashlib.sha256(raw.encode()).hexdigest()  # 3: (…, expiry, gzipped)


def _storable(request, response) -> bool:
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


def public_page(view):
    """Serve `view` from the cache to anonymous visitors (see the module's docstring). The view may
    set `response.public_cache_seconds` to store its page for less than PUBLIC_PAGE_SECONDS."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_cacheable_request(request):
            return view(request, *args, **kwargs)
        key = page_key(request)
        generation = _local.current_generation()
        stored = _local.get(key, generation) if generation is not None else None
        if stored is None and generation is not None:
            found = cache.get(key)
            if found is not None and found[0] == generation:
                stored = found[1:]
                _local.put(key, generation, stored)
        if stored is not None:
            compressed = stored[4] is not None and "gzip" in request.headers.get("Accept-Encoding", "")
            response = HttpResponse(stored[4] if compressed else stored[1], content_type=stored[0])
            if compressed:
                response["Content-Encoding"] = "gzip"
            response["Vary"] = "Accept-Encoding"
            response["Cache-Control"] = stored[2]
            response[HEADER] = "hit"
            return response
        # The generation is read before rendering: a bump during the render leaves this page stale.
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if generation is not None and _storable(request, response):
            own = response.get("Cache-Control", "")
            response["Cache-Control"] = own if own.startswith("public") else DEFAULT_CACHE_CONTROL
            seconds = min(PUBLIC_PAGE_SECONDS, getattr(response, "public_cache_seconds", PUBLIC_PAGE_SECONDS))
            if seconds > 0:
                # Compressed once here, not per request: a hit is then a tenth of the bytes on 4G. These
                # pages carry no secret (never a CSRF token), so compression leaks nothing (BREACH).
                gzipped = gzip.compress(response.content, 6) if len(response.content) > GZIP_MIN_BYTES else None
                stored = (response["Content-Type"], response.content, response["Cache-Control"], time.time() + seconds, gzipped)
                cache.set(key, (generation, *stored), seconds)
                _local.put(key, generation, stored)
            response[HEADER] = "miss"
        return response

    return wrapped
