"""The transition table: every pair of statuses, the actor's role, reasons, deadlines, audit, mail."""

import datetime
import itertools

import pytest
from django.core import mail

from cases.enums import TRANSITIONS, CaseStatus, Role, Tier
from cases.models import Campaign, CaseTransition, DeadlineExtension
from cases.workflow import TransitionRefused, transition_case
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
EARLY = datetime.datetime(2024, 8, 1, 10, 0, tzinfo=BEIJING)  # every stage still open


@pytest.fixture
def tree():
    county = factories.county()
    park = factories.park(county)
    enterprise = factories.enterprise(park)
    actors = {
        Tier.ENTERPRISE: factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise),
        Tier.ASSOCIATION: factories.user(Role.ASSOCIATION_STAFF, organisation_=park),
        Tier.COUNTY: factories.user(Role.COUNTY_STAFF, organisation_=county),
        Tier.CITY: factories.user(Role.CITY_STAFF, organisation_=county.parent),
        Tier.PROVINCE: factories.user(Role.PROVINCE_STAFF, organisation_=factories.province()),
    }
    case = factories.case(enterprise)
    case.campaign = Campaign.objects.get(year=2024)
    case.save()
    return {"case": case, "actors": actors, "county": county, "park": park, "enterprise": enterprise}


ALL_PAIRS = [(a, b) for a, b in itertools.product(CaseStatus.values, CaseStatus.values) if a != b]


def shaped_for(tree, move):
    """An association's forward straight to the city or the province needs an association above
    county level (issue 14 item 6): move the park there for that move."""
    if move.actor == Tier.ASSOCIATION and move.receiver in (Tier.CITY, Tier.PROVINCE):
        park = tree["park"]
        park.parent = tree["county"].parent if move.receiver == Tier.CITY else factories.province()
        park.save()
        tree["case"].refresh_from_db()
    return tree["case"]


@pytest.mark.parametrize("from_status, to_status", [pair for pair in ALL_PAIRS if pair in TRANSITIONS])
def test_every_allowed_move_succeeds_for_its_tier_and_is_audited(tree, from_status, to_status):
    move = TRANSITIONS[(from_status, to_status)]
    case = shaped_for(tree, move)
    case.status = from_status
    case.save()
    actor = tree["actors"][move.actor]
    record = transition_case(case, to=to_status, actor=actor, reason="材料不完整，请补充。", now=EARLY)
    case.refresh_from_db()
    assert case.status == to_status
    assert (record.from_status, record.to_status, record.actor, record.reason) == (from_status, to_status, actor, "材料不完整，请补充。")


@pytest.mark.parametrize("from_status, to_status", [pair for pair in ALL_PAIRS if pair not in TRANSITIONS])
def test_every_other_pair_is_refused_and_changes_nothing(tree, from_status, to_status):
    case = tree["case"]
    case.status = from_status
    case.save()
    for actor in tree["actors"].values():
        with pytest.raises(TransitionRefused, match="请刷新页面查看最新状态"):
            transition_case(case, to=to_status, actor=actor, reason="原因", now=EARLY)
    case.refresh_from_db()
    assert case.status == from_status
    assert not CaseTransition.objects.exists()


@pytest.mark.parametrize("from_status, to_status", list(TRANSITIONS))
def test_actors_of_other_tiers_are_refused(tree, from_status, to_status):
    move = TRANSITIONS[(from_status, to_status)]
    case = shaped_for(tree, move)
    case.status = from_status
    case.save()
    for tier, actor in tree["actors"].items():
        if tier == move.actor:
            continue
        with pytest.raises(TransitionRefused, match="才能进行此操作"):
            transition_case(case, to=to_status, actor=actor, reason="原因", now=EARLY)
    assert CaseTransition.objects.count() == 0


def test_staff_of_another_county_cannot_act_on_the_case(tree):
    case = tree["case"]
    case.status = CaseStatus.COUNTY_REVIEW
    case.save()
    stranger = factories.user(Role.COUNTY_STAFF, organisation_=factories.county(tree["county"].parent))
    with pytest.raises(TransitionRefused):
        transition_case(case, to=CaseStatus.COUNTY_PASSED, actor=stranger, now=EARLY)


@pytest.mark.parametrize("from_status, to_status", [pair for pair, move in TRANSITIONS.items() if move.reason_required])
def test_moves_that_need_a_reason_refuse_a_blank_one(tree, from_status, to_status):
    case = tree["case"]
    case.status = from_status
    case.save()
    actor = tree["actors"][TRANSITIONS[(from_status, to_status)].actor]
    with pytest.raises(TransitionRefused, match="请填写原因"):
        transition_case(case, to=to_status, actor=actor, reason="   ", now=EARLY)


@pytest.mark.parametrize(
    "moment, allowed",
    [
        (datetime.datetime(2024, 9, 2, 23, 59, 59, tzinfo=BEIJING), True),
        (datetime.datetime(2024, 9, 3, 0, 0, 0, tzinfo=BEIJING), False),
        (datetime.datetime(2024, 9, 2, 16, 0, 0, tzinfo=datetime.timezone.utc), False),  # = 09-03 00:00 Beijing
        (datetime.datetime(2024, 9, 2, 15, 59, 0, tzinfo=datetime.timezone.utc), True),
    ],
)
def test_submission_closes_at_midnight_beijing_time(tree, moment, allowed):
    case = tree["case"]
    if allowed:
        transition_case(case, to=CaseStatus.SUBMITTED, actor=tree["actors"][Tier.ENTERPRISE], now=moment)
        assert case.status == CaseStatus.SUBMITTED and case.submitted_at == moment
    else:
        with pytest.raises(TransitionRefused, match="2024年9月2日 24:00"):
            transition_case(case, to=CaseStatus.SUBMITTED, actor=tree["actors"][Tier.ENTERPRISE], now=moment)


def test_an_extension_for_the_association_reopens_submission_for_its_enterprises(tree):
    late = datetime.datetime(2024, 9, 4, 9, 0, tzinfo=BEIJING)
    DeadlineExtension.objects.create(
        campaign=tree["case"].campaign, tier=Tier.ENTERPRISE, organisation=tree["park"],
        closes_on=datetime.date(2024, 9, 4), reason="系统故障",
    )
    transition_case(tree["case"], to=CaseStatus.SUBMITTED, actor=tree["actors"][Tier.ENTERPRISE], now=late)
    assert tree["case"].status == CaseStatus.SUBMITTED


def test_an_extension_for_another_organisation_does_not_help(tree):
    late = datetime.datetime(2024, 9, 4, 9, 0, tzinfo=BEIJING)
    DeadlineExtension.objects.create(
        campaign=tree["case"].campaign, tier=Tier.ENTERPRISE, organisation=factories.park(tree["county"]),
        closes_on=datetime.date(2024, 9, 10), reason="别的园区",
    )
    with pytest.raises(TransitionRefused):
        transition_case(tree["case"], to=CaseStatus.SUBMITTED, actor=tree["actors"][Tier.ENTERPRISE], now=late)


def test_a_returned_case_may_be_resubmitted_until_the_association_deadline(tree):
    case = tree["case"]
    case.status = CaseStatus.RETURNED
    case.save()
    after_enterprise_deadline = datetime.datetime(2024, 9, 5, 10, 0, tzinfo=BEIJING)
    transition_case(case, to=CaseStatus.SUBMITTED, actor=tree["actors"][Tier.ENTERPRISE], now=after_enterprise_deadline)
    assert case.status == CaseStatus.SUBMITTED


def test_return_mails_the_enterprise_users_with_the_reason(tree, django_capture_on_commit_callbacks):
    enterprise_user = tree["actors"][Tier.ENTERPRISE]
    enterprise_user.email = "qiye@example.com"
    enterprise_user.save()
    case = tree["case"]
    case.status = CaseStatus.SUBMITTED
    case.save()
    with django_capture_on_commit_callbacks(execute=True):
        transition_case(case, to=CaseStatus.RETURNED, actor=tree["actors"][Tier.ASSOCIATION], reason="照片不足2MB。", now=EARLY)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["qiye@example.com"]
    assert "照片不足2MB。" in mail.outbox[0].body
    assert case.title in mail.outbox[0].subject


def test_a_stale_second_action_gets_a_clear_message(tree):
    case = tree["case"]
    case.status = CaseStatus.SUBMITTED
    case.save()
    park_staff = tree["actors"][Tier.ASSOCIATION]
    stale_copy = type(case).objects.get(pk=case.pk)
    transition_case(case, to=CaseStatus.ASSOCIATION_RECOMMENDED, actor=park_staff, now=EARLY)
    with pytest.raises(TransitionRefused, match="园区（企业）科协已推荐"):
        transition_case(stale_copy, to=CaseStatus.RETURNED, actor=park_staff, reason="重复", now=EARLY)
