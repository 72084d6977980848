"""What every request pays before its view: the session read from the cache (one query left, the
user), sign-out honoured, and the Content-Security-Policy header built once yet identical to
django-csp's own."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from cases.enums import Role
from portal.csp import CSPMiddleware
from portal.sessions import CACHE_SECONDS
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    client.force_login(factories.user(Role.COUNTY_STAFF, organisation_=factories.county()))
    return client


def _redis_ttl(key: str) -> int:
    return cache._cache.get_client().ttl(cache.make_and_validate_key(key))


def test_a_signed_in_request_reads_its_session_from_the_cache_and_only_the_user_from_the_database(
        signed_in, settings, django_assert_num_queries):
    signed_in.get(reverse("healthz"))
    key = signed_in.cookies[settings.SESSION_COOKIE_NAME].value

    with django_assert_num_queries(1) as captured:  # was two: the session row, then the user
        response = signed_in.get(reverse("healthz"))

    assert response.status_code == 200
    assert '"auth_user"' in captured.captured_queries[0]["sql"]  # the signed-in user, loaded by the middleware
    # Cached for at most five minutes (a sign-out lost with Redis cannot come back for longer).
    assert 0 < _redis_ttl(f"portal.session.{key}") <= CACHE_SECONDS == 300


def test_signing_out_ends_the_session_in_the_database_and_the_cache(signed_in, settings):
    key = signed_in.cookies[settings.SESSION_COOKIE_NAME].value

    signed_in.post(reverse("logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert cache.get(f"portal.session.{key}") is None
    signed_in.cookies[settings.SESSION_COOKIE_NAME] = key  # a copied cookie replayed
    assert signed_in.get(reverse("home")).status_code == 302


def test_the_policy_built_once_is_the_one_django_csp_builds(client):
    from csp.middleware import CSPMiddleware as DjangoCSPMiddleware

    request = RequestFactory().get("/")
    ours = CSPMiddleware(lambda r: HttpResponse())
    theirs = DjangoCSPMiddleware(lambda r: HttpResponse())
    for middleware in (ours, theirs):
        middleware.process_request(request)

    assert ours.process_response(request, HttpResponse())["Content-Security-Policy"] == (
        theirs.process_response(request, HttpResponse())["Content-Security-Policy"])
    page = client.get(reverse("login"))
    assert set(page["Content-Security-Policy"].split("; ")) == {
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "object-src 'none'",
        "frame-ancestors 'none'", "form-action 'self'", "base-uri 'self'"}


def test_a_view_that_changes_the_policy_still_gets_its_own(settings):
    request = RequestFactory().get("/")
    middleware = CSPMiddleware(lambda r: HttpResponse())
    middleware.process_request(request)
    response = HttpResponse()
    response._csp_update = {"img-src": ["https://maps.example.org"]}

    policy = middleware.process_response(request, response)["Content-Security-Policy"]

    assert "img-src 'self' data: https://maps.example.org" in policy
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert middleware.process_response(request, HttpResponse())["Content-Security-Policy"] == "default-src 'none'"


def test_cache_calls_share_one_redis_client_per_connection_pool():
    # Django's client built a redis.Redis (and its ~170 response callbacks) for every cache call.
    client = cache._cache

    assert client.get_client(write=True) is client.get_client(write=True)
    assert client.get_client() is client.get_client("any key")
    cache.set("cost-probe", 1)
    assert cache.get("cost-probe") == 1 and cache.incr("cost-probe") == 2
