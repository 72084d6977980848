"""Benchmark of the public vote: ballots per second accepted through the real view
(session-verified voter, Redis limits per address / block / device, the unique-constraint INSERT,
the append-only log) against a bare Django view on the same machine, as a ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal REDIS_URL=redis://127.0.0.1:6379/15 \
    SECRET_KEY=bench-only-0123456789-abcdefghijklmnopqrstuvwxyz DEBUG=0 HTTPS=0 \
    .venv/bin/python bench/bench_vote.py [--ballots 500]

Runs in a throw-away test database (created and dropped here). Sessions and device cookies are
prepared first; only the POSTs are timed. Both sides go through the whole middleware stack with
Django's test client in one process, so the ratio is the cost of the vote's own work.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import include, path  # noqa: E402


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bare/", bare), path("", include("portal.urls"))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=500)
    args = parser.parse_args()
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        sys.exit("Set REDIS_URL: the benchmark measures the Redis limits.")
    setup_test_environment()
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SMS_GATEWAY = "sms.gateways.MemoryGateway"
    # Limits are counted and checked as in production, with ceilings high enough not to refuse.
    settings.VOTE_LIMITS = {"ballot_ip_hour": (10**9, 3600), "ballot_block_hour": (10**9, 3600),
                            "ballot_device_day": (10**9, 86400)}
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.ballots, test_name)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(count: int, database: str) -> None:
    from django.core.cache import cache

    from review.models import Ballot
    from review.voting.limits import DEVICE_COOKIE, new_device_cookie
    from review.voting.services import voter_hash
    from review.views.voting import SESSION_VOTER
    from tests.review import review_world as world

    cache.clear()
    campaign = world.open_vote_window()
    campaign.vote_min_picks, campaign.vote_max_picks = 5, 10
    campaign.save()
    cases = [world.city_case(region) for region in ("太原市", "大同市", "朔州市", "忻州市", "吕梁市", "晋中市")
             for _ in range(2)]
    picks = [str(case.pk) for case in cases[:7]]

    clients = []
    for n in range(count):
        client = Client(REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
        session = client.session
        session[SESSION_VOTER] = voter_hash(f"139{n:08d}")
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        client.cookies[DEVICE_COOKIE] = new_device_cookie()
        clients.append(client)
    bare_client = Client()

    started = time.perf_counter()
    for client in clients:
        response = client.post("/vote/ballot/", {"case": picks})
        assert response.status_code == 302 and "/vote/receipt/" in response.url, response
    vote_seconds = time.perf_counter() - started
    accepted = Ballot.objects.count()
    assert accepted == count, accepted

    started = time.perf_counter()
    for _ in range(count):
        assert bare_client.post("/bare/", {"case": picks}).status_code == 200
    bare_seconds = time.perf_counter() - started

    vote_rate, bare_rate = count / vote_seconds, count / bare_seconds
    print(f"database {connection.vendor} ({database}), cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")
    print(f"ballots accepted through the real view: {count} in {vote_seconds:.2f} s = {vote_rate:.0f} ballots/s")
    print(f"bare Django view:                       {count} in {bare_seconds:.2f} s = {bare_rate:.0f} requests/s")
    print(f"ratio real / bare: {vote_rate / bare_rate:.3f} (the vote costs {bare_rate / vote_rate:.1f}× a bare request)")


if __name__ == "__main__":
    main()
