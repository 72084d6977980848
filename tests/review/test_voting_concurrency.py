"""Many simultaneous ballots from one identity count once: the unique constraint decides (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from review.models import Ballot, BallotLog, BallotLogOutcome
from review.voting.limits import ClientInfo
from review.voting.services import AlreadyVoted, cast_ballot, voter_hash
from tests.review import review_world as world

THREADS = 16


@pytest.mark.django_db(transaction=True)
def test_simultaneous_ballots_of_one_phone_count_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test sets DATABASE_URL)")
    settings.VOTE_LIMITS = {"ballot_ip_hour": (1000, 3600), "ballot_block_hour": (1000, 3600), "ballot_device_day": (1000, 86400)}
    campaign = world.open_vote_window()
    cases = [world.city_case(region) for region in ("太原市", "大同市")]
    voter = voter_hash("13912345678")
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def vote(n: int) -> None:
        try:
            client = ClientInfo(ip=f"203.0.113.{n}", block="203.0.113.0/24", device_hash=f"{n:064d}", user_agent="t")
            barrier.wait()
            try:
                cast_ballot(campaign=campaign, voter=voter, case_ids=[c.pk for c in cases], client=client)
                result = "accepted"
            except AlreadyVoted:
                result = "duplicate"
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["accepted"] + ["duplicate"] * (THREADS - 1)
    assert Ballot.objects.filter(voter_hash=voter).count() == 1
    assert Ballot.objects.get().choices.count() == 2
    log = BallotLog.objects.values_list("outcome", flat=True)
    assert sorted(log) == sorted([BallotLogOutcome.ACCEPTED] + [BallotLogOutcome.DUPLICATE] * (THREADS - 1))
