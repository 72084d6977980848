"""The accepted ballot's cost: one durable commit (ballot, choices, log), no database session for
the public voter, the limits counted together; with Redis down nothing is accepted unlimited."""

import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse

from review.models import Ballot, BallotLog, BallotLogOutcome
from review.voting import limits, voter_pass
from review.voting.services import voter_hash
from review.voting.sms import MemoryGateway
from tests.portal.test_redis_outage import closed_port, redis_unreachable
from tests.review import review_world as world

PHONE = "13912345678"


@pytest.fixture
def candidates(settings):
    settings.VOTE_SMS_GATEWAY = "review.voting.sms.MemoryGateway"
    MemoryGateway.outbox.clear()
    world.open_vote_window()
    yield [world.city_case(region, title=f"{region}候选") for region in ("太原市", "大同市", "朔州市")]
    MemoryGateway.outbox.clear()


def verify(client) -> None:
    client.post(reverse("review:vote_phone"), {"phone": PHONE})
    code = re.search(r"\d{6}", MemoryGateway.outbox[-1][1]).group()
    assert client.post(reverse("review:vote_verify"), {"code": code})["Location"] == reverse("review:vote_gallery")


class Statements:
    """Every SQL statement of the connection, with whether it ran inside an atomic block."""

    def __init__(self):
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, execute, sql, params, many, context):
        self.seen.append((sql, connection.in_atomic_block))
        return execute(sql, params, many, context)

    def writes(self) -> list[tuple[str, bool]]:
        return [(sql.split()[0] + " " + sql.split()[2].strip('"'), atomic) for sql, atomic in self.seen
                if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


@pytest.mark.django_db(transaction=True)
def test_an_accepted_ballot_is_one_commit_and_the_voter_has_no_database_session(client, candidates, monkeypatch):
    verify(client)
    commits = []
    real_commit = connection.commit
    monkeypatch.setattr(connection, "commit", lambda: (commits.append(1), real_commit())[1])
    statements = Statements()

    with connection.execute_wrapper(statements):
        response = client.post(reverse("review:vote_ballot"), {"case": [candidates[0].pk, candidates[2].pk]})

    ballot = Ballot.objects.get()
    assert response["Location"] == reverse("review:vote_receipt", args=[ballot.receipt])
    assert statements.writes() == [("INSERT review_ballot", True), ("INSERT review_ballotchoice", True),
                                   ("INSERT review_ballotlog", True)]
    assert len(commits) == 1
    assert not any("django_session" in sql for sql, _atomic in statements.seen)
    assert Session.objects.count() == 0  # neither the code, the verification nor the ballot made one
    # The pass is spent with the ballot: the cookie is deleted.
    assert response.cookies[voter_pass.COOKIE].value == ""


@pytest.mark.django_db
def test_a_forged_or_altered_pass_is_no_pass(client, candidates):
    forged = voter_pass.encode(voter_pass.VoterPass(voter=voter_hash(PHONE), masked="139****5678", since=time.time()))
    client.cookies[voter_pass.COOKIE] = forged[:-2] + ("AA" if not forged.endswith("AA") else "BB")

    response = client.post(reverse("review:vote_ballot"), {"case": [candidates[0].pk, candidates[1].pk]})

    assert response["Location"] == reverse("review:vote_phone")
    assert Ballot.objects.count() == 0


@pytest.mark.django_db
def test_a_verified_pass_expires_an_hour_after_verification_whatever_is_re_signed(candidates):
    verified_at = 1_000_000.0
    state = voter_pass.VoterPass(voter="v" * 64, masked="139****5678", since=verified_at)
    later = voter_pass.with_picks(state, [candidates[0].pk])  # re-signed after a refused ballot

    class Request:
        COOKIES = {voter_pass.COOKIE: voter_pass.encode(later)}

    assert voter_pass.read(Request, now=verified_at + voter_pass.VERIFIED_SECONDS - 1).voter == "v" * 64
    assert voter_pass.read(Request, now=verified_at + voter_pass.VERIFIED_SECONDS + 1) == voter_pass.EMPTY


@pytest.mark.django_db
def test_with_redis_down_a_ballot_is_refused_with_the_reason_and_goes_in_once_redis_is_back(client, candidates):
    verify(client)
    picks = {"case": [candidates[0].pk, candidates[1].pk]}

    with redis_unreachable(f"redis://127.0.0.1:{closed_port()}/0"):
        refused = client.post(reverse("review:vote_ballot"), picks, follow=True)

    page = refused.content.decode()
    assert "暂时无法受理您的选票（平台服务故障），防刷票检查不可用" in page
    assert Ballot.objects.count() == 0
    assert list(BallotLog.objects.values_list("outcome", flat=True)) == [BallotLogOutcome.UNAVAILABLE]
    # The verification is kept: with Redis back the same ballot goes in, counted by the limits.
    accepted = client.post(reverse("review:vote_ballot"), picks)
    ballot = Ballot.objects.get()
    assert accepted["Location"] == reverse("review:vote_receipt", args=[ballot.receipt])
    assert sorted(ballot.choices.values_list("case_id", flat=True)) == sorted(picks["case"])


@pytest.mark.django_db
def test_all_ballot_limits_are_counted_together_and_every_one_counts(settings):
    settings.VOTE_LIMITS = {"ballot_ip_hour": (1, 3600), "ballot_block_hour": (3, 3600), "ballot_device_day": (3, 86400)}
    buckets = (("ballot_ip_hour", "203.0.113.9"), ("ballot_block_hour", "203.0.113.0/24"), ("ballot_device_day", "d1"))
    for name, key in buckets:
        limits.reset(name, key)

    first, second = limits.hit_all(buckets), limits.hit_all(buckets)

    assert (first, second) == (True, False)  # the address's one ballot an hour is used up
    # The refused attempt still counted in the block and device buckets, as one-by-one counting did.
    assert [limits.exceeded(name, key) for name, key in buckets] == [True, False, False]
    assert limits.hit_all((("ballot_block_hour", "203.0.113.0/24"),)) is True
    assert limits.exceeded("ballot_block_hour", "203.0.113.0/24")
