"""Cost of the quarantine job (review.voting.fraud) at 10k, 50k and 100k ballots in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal REDIS_URL=redis://127.0.0.1:6379/15 \
    SECRET_KEY=bench-only-0123456789-abcdefghijklmnopqrstuvwxyz DEBUG=0 HTTPS=0 \
    .venv/bin/python bench/bench_fraud.py [--sizes 10000 50000 100000] [--new 1000]

For each size: the labelled stream of bench/vote_stream.py (three days, organic and planted) is
stored the way cast_ballot stores it, except its newest `--new` ballots; the job's first run reads
the whole vote; then the newest ballots arrive and the next run is timed — the beat job's steady
state (every 10 minutes the ballots since the last run). Throw-away test database.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--new", type=int, default=1000)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"{'ballots':>8} {'first run (whole vote)':>24} {'next run: new ballots':>22} {'wall s':>7} {'cpu s':>6} {'flagged':>8}")
        for size in args.sizes:
            run(size, args.new)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def store(campaign, rows, cases) -> None:
    from review.models import Ballot, BallotChoice

    ballots = Ballot.objects.bulk_create(
        [Ballot(campaign=campaign, voter_hash=f"{campaign.pk}-{row.ballot.id}", receipt=f"B{campaign.pk}-{row.ballot.id}",
                cast_at=row.ballot.at, address_block=row.ballot.block, device_hash=row.ballot.device,
                user_agent=row.ballot.agent[:300], picks=",".join(str(cases[c]) for c in sorted(row.ballot.picks)))
         for row in rows], batch_size=5000)
    BallotChoice.objects.bulk_create(
        [BallotChoice(ballot_id=ballot.pk, case_id=cases[c]) for ballot, row in zip(ballots, rows) for c in row.ballot.picks],
        batch_size=20000)


def run(size: int, fresh: int) -> None:
    from bench.vote_stream import CANDIDATES, generate
    from cases.models import Campaign
    from review.models import Ballot, FraudScan
    from review.voting.fraud import quarantine_suspicious_ballots
    from tests.review import review_world as world

    campaign = Campaign.objects.current()  # a fresh copy of the seeded campaign per size
    Campaign.objects.update(is_current=False)
    campaign.pk, campaign.year, campaign.is_current = None, 3000 + size // 1000, True
    campaign.vote_opens_at = datetime.datetime(2024, 10, 1, tzinfo=datetime.timezone.utc)
    campaign.vote_closes_at = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    campaign.save()
    cases = {n: world.city_case("太原市", title=f"候选{size}-{n}").pk for n in range(1, CANDIDATES + 1)}
    stream = generate(size, organic=size, days=3)
    store(campaign, stream[:-fresh], cases)
    last = stream[-fresh - 1].ballot.at
    started = time.perf_counter()
    quarantine_suspicious_ballots(campaign=campaign, now=last + datetime.timedelta(seconds=61))
    first = time.perf_counter() - started

    store(campaign, stream[-fresh:], cases)
    with connection.cursor() as cursor:  # what autovacuum does after a bulk load: fresh planner statistics
        cursor.execute("ANALYZE")
    now = stream[-1].ballot.at + datetime.timedelta(seconds=61)
    with CaptureQueriesContext(connection) as queries:
        wall, cpu = time.perf_counter(), time.process_time()
        result = quarantine_suspicious_ballots(campaign=campaign, now=now)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if os.environ.get("BENCH_QUERIES"):
        for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]:
            print(f"    {query['time']} s  {query['sql'][:160]}")
    assert FraudScan.objects.get(campaign=campaign).last_ballot_id == Ballot.objects.filter(campaign=campaign).latest("pk").pk
    print(f"{len(stream):>8} {first:>22.2f} s {fresh:>22} {wall:>7.2f} {cpu:>6.2f} {result['flagged']:>8}", flush=True)


if __name__ == "__main__":
    main()
