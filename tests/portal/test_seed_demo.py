"""`manage.py seed_demo [--stage …]`: the demo province and a demo campaign at every stage, built by
the portal's own services, each stage's state what it promises, the rules of the notice holding.

Each test seeds once or twice (a seed is the whole story of a campaign: ~16 cases with real files)."""

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from cases.enums import CaseStatus, EnterpriseType, OrganisationKind, Role, Tier
from cases.models import AuditEvent, Campaign, Case, CaseTransition, Enterprise, Membership, Organisation, Upload
from cases.queries import cases_visible_to
from cases.refusals import Refused
from cases.rules import ensure_campaign_open
from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from portal.demo_cases import stamped_scan
from quotas.models import CityQuota
from quotas.rules import checks_from_campaign
from quotas.services import start_campaign_from
from review.models import Batch, BatchStatus, Certificate, ExpertAssignment, Selection
from review.models.results import SelectionState
from review.models.voting import Ballot, BallotChoice, BallotStatus
from review.selection.readiness import publication_blockers
from review.selection.services import decision_problems
from review.services import batch_candidates, list_fingerprint
from tests import factories

pytestmark = pytest.mark.django_db

DEMO_CITY, FORWARDED_CITY = "阳泉市", "朔州市"


def seed(*arguments) -> str:
    out = io.StringIO()
    call_command("seed_demo", *arguments, stdout=out)
    return out.getvalue()


def user(username):
    return get_user_model().objects.get(username=username)


def snapshot():
    return (
        sorted(Organisation.objects.values_list("id", "name", "path", "kind")),
        sorted(Enterprise.objects.values_list("id", "name", "credit_code", "association_id", "enterprise_type")),
        sorted(get_user_model().objects.values_list("id", "username", "password", "is_staff")),
        sorted(Membership.objects.values_list("id", "user_id", "role", "organisation_id", "enterprise_id")),
        sorted(Case.objects.values_list("id", "title", "status", "updated_at")),
        sorted(Upload.objects.values_list("id", "file", "validation_state")),
        sorted(Batch.objects.values_list("id", "status", "forwarded_at")),
        sorted(ExpertAssignment.objects.values_list("id", "expert_id", "case_id", "score__total")),
        sorted(Ballot.objects.values_list("id", "status")),
        sorted(Selection.objects.values_list("id", "state", "computed_at")),
    )


def demo_campaign():
    return Campaign.objects.get(title__endswith="（演示）")


def city(region):
    return Organisation.objects.get(kind=OrganisationKind.CITY, region=region)


def cases_of(region, **filters):
    return Case.objects.filter(enterprise__association__path__startswith=city(region).path, **filters)


def city_batch(region):
    return Batch.objects.get(tier=Tier.CITY, organisation=city(region))


def assert_forwarded_lists_are_complete(campaign):
    """Every forwarded list has its tables and the stamped scan of exactly the list it forwarded,
    and every city list keeps every rule of 附件2 (exactly its quota, park shares, one per enterprise)."""
    forwarded = Batch.objects.filter(campaign=campaign, status=BatchStatus.FORWARDED)
    assert forwarded.exists()
    for batch in forwarded:
        items = list(batch.items.order_by("rank"))
        assert items, batch
        assert batch.summary_docx and batch.summary_xlsx and batch.signed_scan, batch
        assert batch.generated_for == batch.signed_scan_for == list_fingerprint(items), batch
        assert default_storage.exists(batch.signed_scan.name)
        if batch.tier == Tier.CITY:
            quota = CityQuota.objects.get(campaign=campaign, city=batch.organisation)
            checks = checks_from_campaign(batch_candidates(items), campaign, quota)
            assert [check.code for check in checks if not check.passed] == [], batch
            assert len(items) == quota.cases


def assert_files_real_and_clean(cases):
    for case in cases:
        uploads = case.uploads.filter(superseded_at__isnull=True)
        assert sorted(uploads.values_list("slot", flat=True)) == sorted(
            ["narrative", "form_scan", "photo_exterior", "photo_product", "photo_scene"]), case
        for upload in uploads:
            assert upload.validation_state == "done" and upload.error_count == 0, (case, upload.slot, upload.findings)
            assert default_storage.size(upload.file.name) == upload.size >= (2 * 1024 * 1024 if "photo" in upload.slot else 1)


def scores_missing(**filters):
    return ExpertAssignment.objects.active().filter(score__isnull=True, **filters)


# --- start: what `make run` seeds --------------------------------------------------------------

def test_make_run_seeds_a_province_and_a_campaign_where_every_login_has_work_waiting(client):
    output = seed()
    campaign = Campaign.objects.current()
    today = timezone.localdate()

    # The province: every city with counties, parks, enterprise associations, enterprises of every type.
    for each in Organisation.objects.filter(kind=OrganisationKind.CITY):
        assert each.children.filter(kind=OrganisationKind.COUNTY).count() >= 2, each.name
    assert Organisation.objects.filter(kind=OrganisationKind.PARK_ASSOCIATION).count() >= 22
    assert Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE_ASSOCIATION).count() >= 1
    for enterprise_type in EnterpriseType:
        assert Enterprise.objects.filter(enterprise_type=enterprise_type).count() >= 60, enterprise_type
    for enterprise in Enterprise.objects.select_related("association"):
        enterprise.full_clean()  # valid credit code, consistent association flags

    # One working login per role, each holding exactly its demo role.
    roles = set()
    for account in DEMO_ACCOUNTS:
        login = user(account.username)
        assert login.check_password(DEMO_PASSWORD)
        assert list(login.memberships.values_list("role", flat=True)) == [account.role]
        roles.add(account.role)
    assert roles == set(Role.values)
    assert "Kexie@2024demo" in output and "征集进行中" in output

    # A current campaign with this year's deadlines ahead, the 2024 quotas and criteria, and the
    # demo's two numbers: 10 winners, a 公示 of 0 days; a vote minimum the candidates can meet.
    assert campaign == demo_campaign() and campaign.year == today.year
    assert campaign.enterprise_deadline == today + datetime.timedelta(days=14)
    assert campaign.city_deadline == today + datetime.timedelta(days=26)
    assert CityQuota.objects.filter(campaign=campaign).aggregate(Sum("cases"), Sum("presenters")) == {
        "cases__sum": 120, "presenters__sum": 14}
    assert campaign.criteria.count() == 3
    assert (campaign.winners_count, campaign.objection_days, campaign.vote_min_picks) == (10, 0, 5)
    assert Case.objects.filter(campaign=campaign, status=CaseStatus.PROVINCE_REVIEW).count() >= campaign.vote_min_picks

    # Work waiting at every tier, seen through each login's own view of the cases.
    waiting = {
        "qiye": [CaseStatus.DRAFT], "yuanqu": [CaseStatus.SUBMITTED], "xianji": [CaseStatus.COUNTY_REVIEW],
        "shiji": [CaseStatus.CITY_REVIEW] * 7, "shengji": [CaseStatus.PROVINCE_REVIEW] * 6,
    }
    for username, statuses in waiting.items():
        visible = cases_visible_to(user(username)).filter(status=statuses[0])
        assert list(visible.values_list("status", flat=True)) == statuses, username
    assert_files_real_and_clean(Case.objects.exclude(status=CaseStatus.DRAFT))
    draft = Case.objects.get(status=CaseStatus.DRAFT)
    assert draft.enterprise.memberships.get().user.username == "qiye" and draft.uploads.count() == 5

    # 阳泉 has more cases than its quota (6), scored by its five experts but for the demo expert.
    quota = CityQuota.objects.get(campaign=campaign, city=city(DEMO_CITY))
    assert cases_of(DEMO_CITY, status=CaseStatus.CITY_REVIEW).count() == 7 > quota.cases == 6
    city_assignments = ExpertAssignment.objects.active().filter(tier=Tier.CITY, case__status=CaseStatus.CITY_REVIEW)
    assert city_assignments.values("expert").distinct().count() == campaign.experts_per_case == 5
    assert sorted(set(scores_missing(tier=Tier.CITY).values_list("expert__username", flat=True))) == ["shizhuanjia"]
    assert scores_missing(tier=Tier.CITY).count() == 7
    # 朔州 forwarded its list; the province assigned five experts to each case; the demo expert scores.
    assert_forwarded_lists_are_complete(campaign)
    assert city_batch(FORWARDED_CITY).status == BatchStatus.FORWARDED
    assert not Batch.objects.filter(tier=Tier.CITY, organisation=city(DEMO_CITY), status=BatchStatus.FORWARDED).exists()
    for case in Case.objects.filter(status=CaseStatus.PROVINCE_REVIEW):
        assert ExpertAssignment.objects.active().filter(case=case, tier=Tier.PROVINCE).count() == 5
    assert sorted(set(scores_missing(tier=Tier.PROVINCE).values_list("expert__username", flat=True))) == ["shengzhuanjia"]

    # The pages the logins open show that work.
    client.force_login(user("shiji"))
    page = client.get(reverse("review:city_selection"), {"org": city(DEMO_CITY).pk, "propose": 1}).content.decode()
    for case in cases_of(DEMO_CITY, status=CaseStatus.CITY_REVIEW):
        assert case.title in page
    client.force_login(user("shizhuanjia"))
    page = client.get(reverse("review:expert_home")).content.decode()
    assert all(case.title in page for case in cases_of(DEMO_CITY, status=CaseStatus.CITY_REVIEW))
    client.force_login(user("shengzhuanjia"))
    page = client.get(reverse("review:expert_home")).content.decode()
    assert all(case.title in page for case in cases_of(FORWARDED_CITY))

    # The story happened on its days (before today), every row stamped so, not just the services' `now`.
    assert all(timezone.localdate(c.submitted_at) == today - datetime.timedelta(days=6)
               for c in Case.objects.exclude(status=CaseStatus.DRAFT))
    assert not CaseTransition.objects.filter(created_at__date__gte=today).exists()
    assert not Upload.objects.filter(uploaded_at__date__gte=today).exists()

    # Seeding again (every `make run`) changes nothing; --reset builds a fresh start.
    first = snapshot()
    assert "原样保留" in seed()
    assert snapshot() == first
    seed("--reset")
    assert snapshot()[4] != first[4]
    assert Case.objects.count() == 16 and demo_campaign().pk != campaign.pk


def test_from_make_runs_demo_the_city_reaches_the_province_through_its_pages_alone(client, django_capture_on_commit_callbacks):
    """No admin change: the city takes the assistant's list, ranks, generates the tables, uploads
    the stamped scan and forwards; the province then assigns its experts to the new cases."""
    seed()
    yangquan = city(DEMO_CITY)
    client.force_login(user("shiji"))
    page = client.get(reverse("review:city_selection"), {"org": yangquan.pk, "propose": 1}).content.decode()
    proposed = re.findall(r'name="selected" value="(\d+)" checked', page)
    presenters = re.findall(r'name="presenter" value="(\d+)" checked', page)
    assert (len(proposed), len(presenters)) == (6, 1)
    client.post(reverse("review:city_selection_apply"), {"org": yangquan.pk, "selected": proposed, "presenter": presenters})
    batch = Batch.objects.get(organisation=yangquan)
    form = {"org": yangquan.pk, "batch": batch.pk}
    client.post(reverse("review:batch_rank"), {**form, "contact": "刘市级 0353-2020000", "presenter": presenters})
    with django_capture_on_commit_callbacks(execute=True):  # the generation task, in-process in tests
        client.post(reverse("review:batch_generate"), form)
    client.post(reverse("review:batch_scan"), {**form, "scan": SimpleUploadedFile("汇总表.pdf", stamped_scan())})
    response = client.post(reverse("review:batch_forward"), form, follow=True)
    assert "报送 6 个案例。" in response.content.decode()

    assert cases_of(DEMO_CITY, status=CaseStatus.PROVINCE_REVIEW).count() == 6
    assert_forwarded_lists_are_complete(demo_campaign())
    client.force_login(user("shengji"))
    client.post(reverse("review:expert_board_auto", args=["province"]))
    for case in Case.objects.filter(status=CaseStatus.PROVINCE_REVIEW):
        assert ExpertAssignment.objects.active().filter(case=case, tier=Tier.PROVINCE).count() == 5


# --- province -----------------------------------------------------------------------------------

def test_province_stage_both_cities_forwarded_their_quota_and_every_expert_scored():
    seed("--stage", "province")
    campaign = demo_campaign()
    now = timezone.now()

    # Every deadline has passed, so no other city can still forward: the province may decide.
    assert campaign.closes_at(Tier.CITY) < now
    assert campaign.vote_opens_at is None and not Selection.objects.exists()
    for region in (DEMO_CITY, FORWARDED_CITY):
        assert city_batch(region).status == BatchStatus.FORWARDED
        assert cases_of(region, status=CaseStatus.PROVINCE_REVIEW).count() == 6
    assert cases_of(DEMO_CITY, status=CaseStatus.CITY_NOT_SELECTED).count() == 1
    assert_forwarded_lists_are_complete(campaign)
    assert_files_real_and_clean(Case.objects.filter(status=CaseStatus.PROVINCE_REVIEW))
    # Presenter candidates: one per city (the quota), each through a 园区科协.
    presenters = Case.objects.filter(status=CaseStatus.PROVINCE_REVIEW, is_presenter_candidate=True)
    assert sorted(c.enterprise.association.kind for c in presenters) == [OrganisationKind.PARK_ASSOCIATION] * 2
    # Five provincial experts per case, all scored; the 公示 could be published now.
    for case in Case.objects.filter(status=CaseStatus.PROVINCE_REVIEW):
        assert ExpertAssignment.objects.active().filter(case=case, tier=Tier.PROVINCE, score__isnull=False).count() == 5
    assert not scores_missing().exists()
    assert publication_blockers(campaign) == []
    # The lower tiers' unfinished cases stay where the deadlines left them.
    assert set(Case.objects.exclude(status__in=[CaseStatus.PROVINCE_REVIEW, CaseStatus.CITY_NOT_SELECTED])
               .values_list("status", flat=True)) == {CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.COUNTY_REVIEW}
    # The story's days: forwarded before each deadline.
    for batch in Batch.objects.filter(status=BatchStatus.FORWARDED):
        assert timezone.localdate(batch.forwarded_at) <= campaign.deadline_for(Tier(batch.tier))

    # Idempotent: the same stage again, and a plain seed (`make run`), leave it exactly as it is.
    first = snapshot()
    assert "原样保留" in seed("--stage", "province")
    seed()
    assert snapshot() == first


# --- vote ---------------------------------------------------------------------------------------

def test_vote_stage_the_vote_is_open_with_ballots_and_a_quarantined_device(django_capture_on_commit_callbacks):
    seed("--stage", "vote")
    campaign = demo_campaign()
    now = timezone.now()

    assert campaign.vote_opens_at < now < campaign.vote_closes_at
    ballots = Ballot.objects.filter(campaign=campaign)
    assert ballots.count() > 50
    for ballot in ballots:
        assert campaign.vote_min_picks <= ballot.choices.count() <= campaign.vote_max_picks
        assert campaign.vote_opens_at <= ballot.cast_at < now
    assert set(BallotChoice.objects.values_list("case__status", flat=True)) == {CaseStatus.PROVINCE_REVIEW}
    quarantined = ballots.filter(status=BallotStatus.QUARANTINED)
    assert quarantined.count() == 3 and len(set(quarantined.values_list("device_hash", flat=True))) == 1
    assert ballots.filter(status=BallotStatus.VALID).count() == ballots.count() - 3
    blockers = publication_blockers(campaign)
    assert any(blocker.startswith("还有 3 张选票在隔离中") for blocker in blockers)
    assert any(blocker.startswith("网络投票仍在进行") for blocker in blockers)

    # Another stage replaces the whole demo campaign: ballots, files and all (only demo data there).
    old_files = list(Upload.objects.values_list("file", flat=True))
    assert all(default_storage.exists(name) for name in old_files)
    with django_capture_on_commit_callbacks(execute=True):  # the old files go once the new demo is committed
        seed("--stage", "province")
    assert not Ballot.objects.exists() and demo_campaign().vote_opens_at is None
    assert Campaign.objects.count() == 2 and AuditEvent.objects.filter(action="vote_opened").count() == 0
    assert not any(default_storage.exists(name) for name in old_files)
    assert Case.objects.count() == 16


# --- publicity ----------------------------------------------------------------------------------

def test_publicity_stage_the_public_notice_is_published_within_every_rule(client):
    seed("--stage", "publicity")
    campaign = demo_campaign()
    selection = Selection.objects.get(campaign=campaign)

    assert selection.state == SelectionState.PUBLISHED and campaign.vote_closes_at < selection.computed_at
    assert Ballot.objects.filter(status=BallotStatus.QUARANTINED).count() == 0
    assert Ballot.objects.filter(status=BallotStatus.EXCLUDED).count() == 3
    entries = selection.entries.select_related("case")
    assert entries.count() == 12 and entries.filter(is_winner=True).count() == campaign.winners_count == 10
    assert decision_problems(selection) == []
    presenters = entries.filter(is_presenter=True)
    assert 1 <= presenters.count() <= 2 * 2
    assert all(entry.votes > 0 and entry.expert_score is not None for entry in entries)
    # The public page shows the winners (and no contact data).
    page = client.get(reverse("review:publicity")).content.decode()
    for entry in entries.filter(is_winner=True):
        assert entry.case.title in page
    assert "王经理" not in page
    assert Case.objects.filter(status=CaseStatus.PROVINCE_REVIEW).count() == 12  # final only after the 公示


# --- closed -------------------------------------------------------------------------------------

def test_closed_stage_winners_have_certificates_and_the_campaign_is_read_only(django_capture_on_commit_callbacks):
    seed("--stage", "closed")
    campaign = demo_campaign()
    selection = Selection.objects.get(campaign=campaign)

    assert selection.state == SelectionState.FINAL and campaign.closed_at is not None
    winners = Case.objects.filter(campaign=campaign, status=CaseStatus.WINNER)
    assert winners.count() == 10 and Case.objects.filter(status=CaseStatus.NOT_WINNER).count() == 2
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == 10 and set(Certificate.objects.values_list("case_id", flat=True)) == set(winners.values_list("pk", flat=True))
    assert [number[:11] for number in numbers] == [f"SX{campaign.year}-{rank:03d}-" for rank in range(1, 11)]
    with pytest.raises(Refused):
        ensure_campaign_open(campaign, error=Refused)
    assert_forwarded_lists_are_complete(campaign)

    # Even a closed demo campaign makes way for a fresh one, with its lists' files.
    old_files = list(Batch.objects.values_list("signed_scan", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        seed("--stage", "start")
    assert not Certificate.objects.exists() and not Selection.objects.exists() and not Ballot.objects.exists()
    assert demo_campaign().closed_at is None and Campaign.objects.count() == 2
    assert not any(default_storage.exists(name) for name in old_files)


# --- refusals -----------------------------------------------------------------------------------

def test_a_database_with_real_data_is_refused_and_left_unchanged():
    factories.enterprise(factories.park(factories.county(factories.city("太原市"))), name="真实企业有限公司")
    before = (Organisation.objects.count(), Enterprise.objects.count(), get_user_model().objects.count(), Campaign.objects.count())

    for arguments in ((), ("--stage", "province")):
        with pytest.raises(CommandError) as refused:
            seed(*arguments)
        assert "不是演示数据" in str(refused.value) and "1 家企业" in str(refused.value)
        assert "新的空数据库" in str(refused.value) or "空的" in str(refused.value)
    assert (Organisation.objects.count(), Enterprise.objects.count(), get_user_model().objects.count(),
            Campaign.objects.count()) == before


def test_a_demo_database_holding_a_real_case_of_another_campaign_is_refused():
    real = Campaign.objects.get(year=2024)
    start_campaign_from(real, year=timezone.localdate().year, title="演示活动（演示）",
                               deadlines=(timezone.localdate(),) * 4)
    enterprise = factories.enterprise(name="真实企业有限公司")
    factories.case(enterprise, title="演示中试填的案例")  # in the (current) demo campaign: trying the demo
    Case.objects.create(campaign=real, enterprise=enterprise, title="真实案例")
    first = snapshot()
    with pytest.raises(CommandError) as refused:
        seed("--stage", "closed")
    assert "（1 个演示活动以外的案例）" in str(refused.value)
    assert snapshot() == first


def test_an_unknown_stage_is_refused_in_chinese_before_anything_is_made():
    with pytest.raises(CommandError) as refused:
        seed("--stage", "final")
    assert str(refused.value) == (
        "没有名为“final”的演示阶段。请从以下阶段中选择：start（征集进行中）、province（省级评审）、vote（网络投票）、"
        "publicity（公示）、closed（活动已结束）。")
    assert not Enterprise.objects.exists() and not get_user_model().objects.exists()
