"""Pages that are the same for every anonymous visitor (the vote gallery, a candidate's page, the
showcase), kept rendered in the cache so a link shared in a WeChat group does not cost a render
per phone.

Who is served from the cache: a GET or HEAD carrying no cookie but harmless ones (the CSRF cookie,
the vote's device cookie). Anyone with a session, a pending message or the vote's own pass gets the
page rendered for them, so nothing personal (a verified number, a message) is ever stored or served
to somebody else. A response that sets a cookie or used a CSRF token is never stored.

Invalidation is one generation token: every stored page carries the token it was rendered under,
and `bump_public_pages()` (after the commit) replaces it, so every stored page is stale at once.
Publishing, unpublishing and a consent change call it (showcase.services); a change of the rows the
pages read that other apps make (the case, its files, the selection, the campaign's vote window)
calls it through the signals connected in showcase.apps. Pages also expire after
`PUBLIC_PAGE_SECONDS` (or sooner when the view says so, e.g. when the vote opens or closes).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import get_language

logger = logging.getLogger("portal.public_cache")

GENERATION_KEY = "public-pages:generation"
PUBLIC_PAGE_SECONDS = 300
MAX_PATH_LENGTH = 600  # longer query strings (made-up searches) are rendered, never stored
# Cookies that do not change what a public page shows.
HARMLESS_COOKIES = frozenset({settings.CSRF_COOKIE_NAME, "vote_device"})
HEADER = "X-Public-Cache"
# Browsers and proxies ask again each time (the server's copy is what is cached): a page taken down
# is gone on the next visit. Views that send files set their own `public, max-age=…`.
DEFAULT_CACHE_CONTROL = "public, max-age=0, must-revalidate"


def bump_public_pages() -> None:
    """Make every stored public page stale now and again once the current transaction commits: a
    page rendered meanwhile read the rows as they were before the commit."""
    _new_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_new_generation)


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def is_cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if len(request.get_full_path()) > MAX_PATH_LENGTH:
        return False
    return all(name in HARMLESS_COOKIES for name in request.COOKIES)


def page_key(request) -> str:
    # The host and scheme are part of it: share links and Open Graph URLs on the page are absolute.
    raw = f"{request.scheme}://{request.get_host()}{request.get_full_path()}|{get_language()}"
    return "public-page:" + hashlib.sha256(raw.encode()).hexdigest()


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
        found = cache.get_many([GENERATION_KEY, key])
        generation, stored = found.get(GENERATION_KEY), found.get(key)
        if generation is not None and stored is not None and stored[0] == generation:
            response = HttpResponse(stored[2], content_type=stored[1])
            response["Cache-Control"] = stored[3]
            response[HEADER] = "hit"
            return response
        if generation is None:  # first page since Redis started (or lost the token)
            cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
            generation = cache.get(GENERATION_KEY)
        # The generation is read before rendering: a bump during the render leaves this page stale.
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if generation is not None and _storable(request, response):
            own = response.get("Cache-Control", "")
            response["Cache-Control"] = own if own.startswith("public") else DEFAULT_CACHE_CONTROL
            seconds = min(PUBLIC_PAGE_SECONDS, getattr(response, "public_cache_seconds", PUBLIC_PAGE_SECONDS))
            if seconds > 0:
                cache.set(key, (generation, response["Content-Type"], response.content, response["Cache-Control"]),
                          seconds)
            response[HEADER] = "miss"
        return response

    return wrapped
