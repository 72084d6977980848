"""Vote throughput through gunicorn: ballots per second accepted by the real `vote_ballot` view under
concurrent clients (wrk), against a bare Django view through the same middleware in the same run;
then 1,000 concurrent attempts (500 voters, each ballot sent twice at once) counted in the database:
every voter exactly one ballot, every attempt one log row, nothing lost, nothing doubled.

    .venv/bin/python bench/bench_vote.py [--seconds 10] [--connections 16] [--workers 4]

Every request is what a phone sends behind the reverse proxy: its own address in X-Forwarded-For
(TRUSTED_PROXIES=127.0.0.1, one /24 per voter), the signed vote pass of a verified number and its
device cookie, the CSRF cookie and token, seven picks. The limits per address, block and device
are counted in Redis as in production (nothing is raised for the benchmark). Needs PostgreSQL
and Redis on 127.0.0.1 and Debian's `wrk`; a throwaway database `bench_vote_<pid>` is created,
migrated, seeded and dropped. The bench-only URL (/bench/bare/) lives in this module's urlconf.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES, PICKS = 12, 7
# wrk: each thread walks its share of the prepared requests (one per line: address, cookie, body);
# with a share limit it stops after its share (the counted run), otherwise it wraps around.
LUA = r"""
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  lines = {}
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
  threads, path, share = tonumber(args[2]), args[3], tonumber(args[4])
  index, done = id + 1, 0
end
function request()
  local line = lines[index]
  index = index + threads
  if index > #lines then index = id + 1 end
  local address, cookie, body = line:match("([^\t]*)\t([^\t]*)\t(.*)")
  return wrk.format("POST", path, {["X-Forwarded-For"] = address, ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
function response(status, headers, body)
  done = done + 1
  if share > 0 and done >= share then wrk.thread:stop() end
end
"""


# --- gunicorn side: `gunicorn bench_vote:application` with this folder on the path ---------
def _bench_urlconf():
    from django.http import HttpResponse
    from django.urls import include, path
    from django.views.decorators.http import require_POST

    @require_POST
    def bare(request):
        return HttpResponse("ok", content_type="text/plain")

    return [path("bench/bare/", bare), path("", include("portal.urls"))]


def _application():
    import django
    from django.conf import settings

    django.setup()
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.ROOT_URLCONF = "bench_vote"
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def __getattr__(name):  # gunicorn imports `application`; the urlconf imports `urlpatterns`
    if name == "application":
        return _application()
    if name == "urlpatterns":
        return _bench_urlconf()
    raise AttributeError(name)


# --- driver ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database: str) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        "CACHE_KEY_PREFIX": f"bench-vote-{os.getpid()}", "CELERY_QUEUE": "portal-bench-vote",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz", "TRUSTED_PROXIES": "127.0.0.1",
        "DEBUG": "0", "HTTPS": "0", "ALLOWED_HOSTS": "127.0.0.1,testserver", "DJANGO_SETTINGS_MODULE": "portal.settings",
        "LOG_LEVEL": "INFO",  # the request log line is part of production's cost
    })
    return env


def seed() -> list[int]:
    from tests.review import review_world as world

    campaign = world.open_vote_window(hours=24)
    campaign.vote_min_picks, campaign.vote_max_picks = 5, 10
    campaign.save()
    return [world.city_case(region).pk for region in ("太原市", "大同市", "朔州市", "忻州市", "吕梁市", "晋中市")
            for _ in range(CANDIDATES // 6)]


def requests_file(path: Path, first: int, count: int, picks: list[int], repeat: int = 1) -> None:
    """`count` voters from number `first` on, each ballot `repeat` times in a row."""
    from review.voting import voter_pass
    from review.voting.limits import DEVICE_COOKIE, new_device_cookie
    from review.voting.services import voter_hash

    secret = "b" * 32  # the CSRF cookie's secret; the form sends it unmasked, which Django accepts
    with open(path, "w") as out:
        for n in range(first, first + count):
            state = voter_pass.pending(voter="", masked="139****0000")
            state = voter_pass.verified(state, voter=voter_hash(f"139{n:08d}"))
            cookie = (f"{voter_pass.COOKIE}={voter_pass.encode(state)}; {DEVICE_COOKIE}={new_device_cookie()}; "
                      f"csrftoken={secret}")
            body = urlencode([("csrfmiddlewaretoken", secret)] + [("case", pk) for pk in picks])
            address = f"10.{n // 256 % 256}.{n % 256}.{n // 65536 % 200 + 1}"
            for _ in range(repeat):
                out.write(f"{address}\t{cookie}\t{body}\n")


def run_wrk(url: str, script: Path, requests: Path, *, seconds: int, connections: int, threads: int,
            share: int = 0) -> tuple[float, int]:
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url, "--",
         str(requests), str(threads), "/" + url.split("/", 3)[3], str(share)],
        check=True, capture_output=True, text=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses under load\n{output}")
    done = int(re.search(r"(\d+) requests in", output).group(1))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), done


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 2))
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread workers when above 1)")
    parser.add_argument("--voters", type=int, default=20_000, help="distinct voters prepared for the timed run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    database = f"bench_vote_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="bench-vote-"))
    env = environment(database)
    os.environ.update(env)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True)
    server = None
    try:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        cases = seed()
        picks = cases[:PICKS]
        script = work / "vote.lua"
        script.write_text(LUA)
        timed, counted = work / "timed.txt", work / "counted.txt"
        requests_file(timed, 0, args.voters, picks)
        counted_voters = 500
        requests_file(counted, 1_000_000, counted_voters, picks, repeat=2)

        port = free_port()
        log = open(work / "gunicorn.log", "w")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "bench_vote:application", "--chdir", str(ROOT / "bench"),
             "--pythonpath", str(ROOT), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
             "--worker-class", "gthread" if args.threads > 1 else "sync", "--threads", str(args.threads),
             "--access-logfile", "/dev/null"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(base + "/healthz", timeout=5).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"gunicorn did not start; see {work / 'gunicorn.log'}")
            time.sleep(0.3)

        from review.models import Ballot, BallotLog, BallotLogOutcome

        threads = min(4, args.connections)
        bare_rate, _bare_done = run_wrk(base + "/bench/bare/", script, timed, seconds=args.seconds,
                                        connections=args.connections, threads=threads)
        vote_rate, vote_done = run_wrk(base + "/vote/ballot/", script, timed, seconds=args.seconds,
                                       connections=args.connections, threads=threads)
        time.sleep(3)  # the answers wrk stopped waiting for are still being written
        accepted = Ballot.objects.count()
        if vote_done > args.voters:
            print(f"note: {vote_done - args.voters} requests reused a voter (refused as already voted); raise --voters")
        ballots_per_second = accepted / args.seconds

        # The counted run: 1,000 attempts at once, each of 500 voters twice.
        before = Ballot.objects.count()
        # wrk runs for its whole duration even when every thread has stopped: long enough, not longer.
        patience = 15 + int(3 * 2 * counted_voters / max(ballots_per_second, 1))
        _rate, attempts = run_wrk(base + "/vote/ballot/", script, counted, seconds=patience, connections=50,
                                  threads=threads, share=2 * counted_voters // threads)
        time.sleep(3)
        ballots = Ballot.objects.filter(voter_hash__in=_voters(1_000_000, counted_voters))
        per_voter = {}
        for voter in ballots.values_list("voter_hash", flat=True):
            per_voter[voter] = per_voter.get(voter, 0) + 1
        log = BallotLog.objects.filter(voter_hash__in=_voters(1_000_000, counted_voters))
        outcomes = {outcome: log.filter(outcome=outcome).count() for outcome in BallotLogOutcome.values}

        print(f"machine: {machine()}")
        print(f"gunicorn {args.workers} workers × {args.threads} threads, wrk {args.connections} connections × {args.seconds} s, "
              f"PostgreSQL + Redis on 127.0.0.1")
        print(f"bare Django view (POST, same cookies and body):  {bare_rate:8.1f} requests/s")
        print(f"ballots accepted through the real view:          {ballots_per_second:8.1f} ballots/s "
              f"({accepted} ballots; wrk {vote_rate:.1f} requests/s)")
        print(f"ratio real / bare: {ballots_per_second / bare_rate:.3f}")
        print(f"counted run: {attempts} concurrent attempts of {counted_voters} voters (each twice): "
              f"{Ballot.objects.count() - before} ballots, voters with one ballot {sum(1 for c in per_voter.values() if c == 1)}, "
              f"with two or more {sum(1 for c in per_voter.values() if c > 1)}; log {outcomes}")
        assert attempts >= 2 * counted_voters - threads, attempts
        assert len(per_voter) == counted_voters and set(per_voter.values()) == {1}, "a ballot was lost or doubled"
        assert outcomes[BallotLogOutcome.ACCEPTED] == counted_voters, outcomes
        # Every answered attempt was logged (wrk may stop before reading the last answers it sent).
        assert outcomes[BallotLogOutcome.ACCEPTED] + outcomes[BallotLogOutcome.DUPLICATE] >= attempts, outcomes
        # (wrk's threads send a few more than their share before they stop: a voter's third or
        # fourth attempt may meet the device limit, which is right; none is invalid or unlimited.)
        assert outcomes[BallotLogOutcome.INVALID] == outcomes[BallotLogOutcome.UNAVAILABLE] == 0, outcomes
        from review.models import BallotChoice

        assert BallotChoice.objects.filter(ballot__in=ballots).count() == PICKS * counted_voters
        print("counted run: no ballot lost, none doubled, every attempt logged once")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", database], check=False)
        shutil.rmtree(work, ignore_errors=True)


def _voters(first: int, count: int) -> list[str]:
    from review.voting.services import voter_hash

    return [voter_hash(f"139{n:08d}") for n in range(first, first + count)]


if __name__ == "__main__":
    main()
