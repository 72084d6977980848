"""A closed campaign (关闭活动) is an archive: every write of the public vote and of the provincial
selection refuses with the portal's one Chinese message, and changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.enums import CaseStatus
from cases.refusals import Refused
from review.models import Ballot, BallotLog, BallotStatus, Certificate, QuarantineDecision, Selection, SuspicionFlag
from review.selection.certificates import issue_certificates
from review.selection.services import (
    compute_selection,
    finalise_selection,
    override_selection,
    publish_selection,
    withdraw_publication,
)
from review.voting.fraud import quarantine_suspicious_ballots
from review.voting.limits import ClientInfo
from review.voting.services import (
    cast_ballot,
    close_vote,
    decide_quarantined,
    open_vote,
    request_code,
    verify_code,
    voter_hash,
)
from sms.gateways import MemoryGateway
from tests.review import review_world as world

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
CLIENT = ClientInfo(ip="198.51.100.7", block="198.51.100.0/24", device_hash="d" * 64, user_agent="test")
CLOSED = "关闭并归档"


@pytest.fixture(autouse=True)
def memory_sms(settings):
    settings.SMS_GATEWAY = "sms.gateways.MemoryGateway"
    MemoryGateway.outbox.clear()
    yield MemoryGateway.outbox


@pytest.fixture
def closed_world():
    """An open vote with candidates, a quarantined ballot, a winner — then the campaign is closed."""
    world.open_vote_window()
    candidates = [world.city_case(region, title=f"{region}候选") for region in ("太原市", "大同市", "朔州市")]
    winner = world.city_case("忻州市", status=CaseStatus.WINNER, title="已获奖")
    world.add_votes(candidates[0], 1, status=BallotStatus.QUARANTINED)
    campaign = world.campaign()
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["closed_at"])
    return {"campaign": world.campaign(), "candidates": candidates, "winner": winner,
            "ballot": Ballot.objects.get(), "staff": world.province_staff()}


def state():
    """Everything the write services could change."""
    campaign = world.campaign()
    return (
        campaign.vote_opens_at, campaign.vote_closes_at,
        sorted(Ballot.objects.values_list("pk", "status")), BallotLog.objects.count(),
        QuarantineDecision.objects.count(), list(Selection.objects.values_list("state", "computed_at")),
        Certificate.objects.count(), list(MemoryGateway.outbox),
    )


WRITES = {
    "request_code": lambda w: request_code(campaign=w["campaign"], phone=PHONE, client=CLIENT),
    "verify_code": lambda w: verify_code(campaign=w["campaign"], phone=PHONE, code="123456"),
    "cast_ballot": lambda w: cast_ballot(campaign=w["campaign"], voter=voter_hash(PHONE),
                                         case_ids=[c.pk for c in w["candidates"][:2]], client=CLIENT),
    "open_vote": lambda w: open_vote(campaign=w["campaign"], actor=w["staff"],
                                     closes_at=timezone.now() + datetime.timedelta(days=3)),
    "close_vote": lambda w: close_vote(campaign=w["campaign"], actor=w["staff"]),
    "decide_quarantined": lambda w: decide_quarantined(ballot=w["ballot"], actor=w["staff"], action="release",
                                                       reason="核实为真实投票"),
    "compute_selection": lambda w: compute_selection(campaign=w["campaign"], actor=w["staff"]),
    "override_selection": lambda w: override_selection(campaign=w["campaign"], case=w["candidates"][0], field="winner",
                                                       value=True, reason="专家复议", actor=w["staff"]),
    "publish_selection": lambda w: publish_selection(campaign=w["campaign"], actor=w["staff"]),
    "withdraw_publication": lambda w: withdraw_publication(campaign=w["campaign"], actor=w["staff"], reason="异议成立"),
    "finalise_selection": lambda w: finalise_selection(campaign=w["campaign"], actor=w["staff"]),
    "issue_certificates": lambda w: issue_certificates(campaign=w["campaign"], actor=w["staff"]),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_refuses_on_a_closed_campaign_and_changes_nothing(closed_world, write):
    before = state()
    with pytest.raises(Refused, match=CLOSED) as refused:
        write(closed_world)
    assert closed_world["campaign"].title in str(refused.value)
    assert state() == before


def test_the_quarantine_job_leaves_a_closed_campaign_alone(closed_world):
    """It also runs from Celery beat on the current campaign: a no-op, not an error every 10 minutes."""
    world.add_votes(closed_world["candidates"][1], 4)
    Ballot.objects.filter(status=BallotStatus.VALID).update(device_hash="same")
    assert quarantine_suspicious_ballots(campaign=closed_world["campaign"]) == {"flagged": 0, "newly_quarantined": 0}
    assert SuspicionFlag.objects.count() == 0
    assert Ballot.objects.filter(status=BallotStatus.VALID).count() == 4


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_staff_pages_refuse_and_hide_the_buttons(client, closed_world):
    client.force_login(closed_world["staff"])
    before = state()
    response = client.post(reverse("review:vote_open"),
                           {"closes_at": (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")})
    assert CLOSED in response.content.decode()
    response = client.post(reverse("review:vote_close"), follow=True)
    assert any(CLOSED in message for message in messages_of(response))
    response = client.post(reverse("review:vote_quarantine_decide", args=[closed_world["ballot"].pk]),
                           {"action": "release", "reason": "核实"}, follow=True)
    assert any(CLOSED in message for message in messages_of(response))
    response = client.post(reverse("review:vote_quarantine_run"), follow=True)
    assert any(CLOSED in message for message in messages_of(response))
    response = client.post(reverse("review:selection_compute"), follow=True)
    assert any(CLOSED in message for message in messages_of(response))
    response = client.post(reverse("review:certificate_issue"), follow=True)
    assert any(CLOSED in message for message in messages_of(response))
    assert state() == before

    quarantine = client.get(reverse("review:vote_quarantine")).content.decode()
    assert reverse("review:vote_quarantine_decide", args=[closed_world["ballot"].pk]) not in quarantine
    assert "活动已关闭：隔离中的选票不能再剔除或放行。" in quarantine
    control = client.get(reverse("review:vote_control")).content.decode()
    assert reverse("review:vote_open") not in control and reverse("review:vote_close") not in control
    board = client.get(reverse("review:selection_board")).content.decode()
    assert reverse("review:selection_compute") not in board and "活动已关闭：评选结果为只读。" in board
    certificates = client.get(reverse("review:certificate_list")).content.decode()
    assert reverse("review:certificate_issue") not in certificates


def test_the_public_cannot_vote_into_a_closed_campaign(client, closed_world, memory_sms):
    response = client.post(reverse("review:vote_phone"), {"phone": PHONE})
    assert response.status_code == 200 and CLOSED in response.content.decode()
    assert memory_sms == []
