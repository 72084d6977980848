"""Rate limits on sign-in (middleware table) and the decorator for other views; the tolerant cache."""

import logging
import socket

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from portal.cache import TolerantRedisCache
from portal.ratelimit import Rate, hit, rate_limit

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def three_sign_ins(settings):
    settings.RATE_LIMITS = {"login": ("3/600", "ip", ("POST",))}


def _sign_in(client, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": "nobody", "password": "wrong"}, REMOTE_ADDR=address)


def test_sign_in_posts_over_the_limit_get_429_in_chinese(client, three_sign_ins):
    assert [_sign_in(client).status_code for _ in range(3)] == [200, 200, 200]
    refused = _sign_in(client)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    page = refused.content.decode()
    assert "<h1>请求过于频繁</h1>" in page
    assert "短时间内尝试次数过多。请等待" in page
    # Reading the page is not limited, and another address is not affected.
    assert client.get(reverse("login"), REMOTE_ADDR="10.0.0.1").status_code == 200
    assert _sign_in(client, "10.0.0.2").status_code == 200


def test_the_default_sign_in_limit_is_per_address_over_ten_minutes():
    from portal.ratelimit import DEFAULT_RATE_LIMITS

    assert DEFAULT_RATE_LIMITS["login"] == ("60/600", "ip", ("POST",))


def test_decorator_limits_per_user_and_only_the_given_methods():
    calls = []

    @rate_limit("upload", rate="2/60", key="user")
    def view(request):
        calls.append(request.method)
        return HttpResponse("stored")

    class User:
        is_authenticated = True

        def __init__(self, pk):
            self.pk = pk

    factory = RequestFactory()

    def post(pk):
        request = factory.post("/cases/1/files/narrative/upload/")
        request.user = User(pk)
        return view(request).status_code

    assert [post(1), post(1), post(1), post(2)] == [200, 200, 429, 200]
    get = factory.get("/cases/1/files/narrative/upload/")
    get.user = User(1)
    assert view(get).status_code == 200
    assert calls == ["POST", "POST", "POST", "GET"]


def test_fixed_windows_start_again_in_the_next_window():
    rate = Rate(1, 60)
    assert hit("test", "ip:1", rate, now=600.0) == (True, 60)
    assert hit("test", "ip:1", rate, now=630.0) == (False, 30)
    assert hit("test", "ip:1", rate, now=660.0) == (True, 60)


def test_a_cache_outage_does_not_lock_anyone_out(client, settings, three_sign_ins):
    settings.CACHES = {"default": {"BACKEND": "portal.cache.TolerantRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    # Four POSTs against a limit of three (the fifth would meet the lockout of django-axes).
    assert [_sign_in(client).status_code for _ in range(4)] == [200] * 4


def test_tolerant_cache_answers_as_empty_and_logs_when_redis_is_down(caplog):
    cache = TolerantRedisCache(f"redis://127.0.0.1:{_closed_port()}/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        answers = [cache.get("k", "default"), cache.set("k", 1), cache.add("k", 1), cache.get_many(["k"]),
                   cache.incr("k"), cache.delete("k")]
    assert answers == ["default", None, False, {}, 1, False]
    # One connection attempt, then the cache stays away for a few seconds instead of retrying each call.
    assert [record.getMessage().split(" (")[0] for record in caplog.records] == ["cache unavailable"]
