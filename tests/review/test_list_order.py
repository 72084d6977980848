"""Issue 13 item 1: a tier's list starts in the order the tier below sent (several senders
interleaved by their 序号), the city's in the city experts' score order (ties by the counties'
序号); the assistant's proposal keeps that order, the summary tables print it, the page says where
it came from, and an order changed by hand is audited."""

import datetime

import docx
import pytest
from django.urls import reverse

from cases.enums import AuditAction, CaseStatus, OrganisationKind, Role, Tier
from cases.models import AuditEvent, Case
from quotas.models import CityQuota
from review.experts.services import assign_expert, criteria_of, submit_score
from review.models import Batch
from review.services import (
    apply_city_selection,
    attach_signed_scan,
    decide_case,
    forward_batch,
    generate_summary_tables,
    open_batch,
    rank_batch,
    restore_default_order,
)
from tests import factories
from tests.review.conftest import EARLY, make_case, pdf_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pipeline_clock")]


def titles(batch) -> list[str]:
    return list(batch.items.order_by("rank").values_list("case__title", flat=True))


def forward(batch, actor, *, at: datetime.datetime):
    """Generate the summary table, attach its signed scan and forward, as staff do on the page."""
    generate_summary_tables(batch.pk)
    batch.refresh_from_db()
    attach_signed_scan(batch=batch, upload=pdf_upload(), actor=actor)
    batch.refresh_from_db()
    return forward_batch(batch=batch, actor=actor, now=at)


def table_titles(batch, candidates: list[str]) -> list[str]:
    """The case names in the order the generated Word table (附件4/5/6) prints them."""
    generate_summary_tables(batch.pk)
    batch.refresh_from_db()
    document = docx.Document(batch.summary_docx.open("rb"))
    rows = [" ".join(cell.text for cell in row.cells) for table in document.tables for row in table.rows]
    found = []
    for row in rows:
        found += [title for title in candidates if title in row and title not in found]
    return found


@pytest.fixture
def two_senders(county_world):
    """The park sends 攻坚 #1 and 煤矸石 #2 (reordered by hand: 煤矸石 was submitted first); the
    enterprise association sends 储能 #1 and 氢能 #2, a minute later. Both lists reach the county."""
    world = county_world
    park_staff = world["staff"][Tier.ASSOCIATION]
    association = world["enterprise_association"]
    association_staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=association, username="ea")
    coal = make_case(world, world["enterprises"][0], CaseStatus.ASSOCIATION_RECOMMENDED, "煤矸石")
    tackle = make_case(world, world["enterprises"][1], CaseStatus.ASSOCIATION_RECOMMENDED, "攻坚")
    park_batch = open_batch(organisation=world["park"], campaign=world["campaign"])
    rank_batch(batch=park_batch, ordered_case_ids=[tackle.pk, coal.pk], presenter_case_ids=set(), contact="张三 0351-7333497",
               actor=park_staff)
    forward(park_batch, park_staff, at=EARLY)
    storage = make_case(world, world["enterprises"][3], CaseStatus.ASSOCIATION_RECOMMENDED, "储能")
    second_enterprise = factories.enterprise(association, name="自有科协第二企业有限公司")
    hydrogen = make_case(world, second_enterprise, CaseStatus.ASSOCIATION_RECOMMENDED, "氢能")
    association_batch = open_batch(organisation=association, campaign=world["campaign"])
    assert titles(association_batch) == ["储能", "氢能"]  # nothing ranked below: the order they were submitted
    forward(association_batch, association_staff, at=EARLY + datetime.timedelta(minutes=1))
    return {**world, "coal": coal, "tackle": tackle, "storage": storage, "hydrogen": hydrogen,
            "park_batch": park_batch, "association_staff": association_staff}


def pass_at_county(world, *cases):
    for case in cases:
        decide_case(case=case, tier=Tier.COUNTY, decision="pass", actor=world["staff"][Tier.COUNTY])


def test_the_county_list_starts_in_the_senders_order_interleaved_by_rank(two_senders):
    world = two_senders
    # The county passes them in another order: its list still follows what the senders decided.
    pass_at_county(world, world["coal"], world["hydrogen"], world["tackle"], world["storage"])

    batch = open_batch(organisation=world["county"], campaign=world["campaign"])

    # Every sender's 1st (the park forwarded first), then every sender's 2nd.
    assert titles(batch) == ["攻坚", "储能", "煤矸石", "氢能"]
    assert batch.order_changed_at is None
    # 附件5 prints that order: 序号 1 is 攻坚.
    assert table_titles(batch, ["攻坚", "储能", "煤矸石", "氢能"]) == ["攻坚", "储能", "煤矸石", "氢能"]


def test_a_case_passed_later_takes_its_place_in_a_list_nobody_reordered(two_senders):
    world = two_senders
    pass_at_county(world, world["coal"], world["hydrogen"])
    assert titles(open_batch(organisation=world["county"], campaign=world["campaign"])) == ["煤矸石", "氢能"]

    pass_at_county(world, world["tackle"])
    batch = open_batch(organisation=world["county"], campaign=world["campaign"])

    assert titles(batch) == ["攻坚", "煤矸石", "氢能"]


def test_an_order_changed_by_hand_is_kept_audited_and_can_be_restored(two_senders):
    world = two_senders
    county_staff = world["staff"][Tier.COUNTY]
    pass_at_county(world, world["tackle"], world["coal"])
    batch = open_batch(organisation=world["county"], campaign=world["campaign"])
    AuditEvent.objects.filter(action=AuditAction.LIST_REORDERED).delete()  # the park's own reorder

    rank_batch(batch=batch, ordered_case_ids=[world["coal"].pk, world["tackle"].pk], presenter_case_ids=set(),
               contact="李四 0351-1234567", actor=county_staff)
    pass_at_county(world, world["storage"])
    batch = open_batch(organisation=world["county"], campaign=world["campaign"])

    assert titles(batch) == ["煤矸石", "攻坚", "储能"]  # the staff's order kept, the new case at the end
    assert (batch.order_changed_at, batch.order_changed_by) == (EARLY, county_staff)
    event = AuditEvent.objects.get(action=AuditAction.LIST_REORDERED)
    assert event.actor == county_staff
    assert event.details == {"batch": batch.pk, "restored": False, "before": [world["tackle"].pk, world["coal"].pk],
                             "after": [world["coal"].pk, world["tackle"].pk]}
    assert event.summary == "测试县科协第1批名单顺序手动调整：1. 煤矸石 2. 攻坚（原为：1. 攻坚 2. 煤矸石）"

    restore_default_order(batch=batch, actor=county_staff)
    batch.refresh_from_db()

    assert titles(batch) == ["攻坚", "储能", "煤矸石"]
    assert batch.order_changed_at is None and batch.order_changed_by is None
    restored = AuditEvent.objects.filter(action=AuditAction.LIST_REORDERED).latest("id")
    assert restored.details["restored"] is True
    assert restored.summary.startswith("测试县科协第1批名单顺序恢复为默认顺序：1. 攻坚 2. 储能 3. 煤矸石")


def test_saving_marks_or_the_contact_alone_is_not_a_change_of_order(two_senders):
    world = two_senders
    pass_at_county(world, world["tackle"], world["coal"])
    batch = open_batch(organisation=world["county"], campaign=world["campaign"])
    AuditEvent.objects.filter(action=AuditAction.LIST_REORDERED).delete()

    rank_batch(batch=batch, ordered_case_ids=[world["tackle"].pk, world["coal"].pk],
               presenter_case_ids={world["tackle"].pk}, contact="李四 0351-1234567", actor=world["staff"][Tier.COUNTY])

    batch.refresh_from_db()
    assert batch.order_changed_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.LIST_REORDERED).exists()


def test_the_list_page_says_where_the_order_came_from_and_who_changed_it(client, two_senders):
    world = two_senders
    county_staff = world["staff"][Tier.COUNTY]
    pass_at_county(world, world["tackle"], world["coal"])
    client.force_login(county_staff)
    url = reverse("review:batch_detail") + f"?org={world['county'].pk}"

    page = client.get(url).content.decode()
    assert ("当前顺序：按各园区科协、企业科协报送的序号排列（多个报送单位交替排列：先各单位第1名，再各单位第2名……；"
            "补报名单排在首批名单之后）。") in page
    assert "恢复默认顺序" not in page

    batch = Batch.objects.get(organisation=world["county"])
    client.post(reverse("review:batch_rank"), {
        "org": world["county"].pk, "batch": batch.pk, f"rank-{world['coal'].pk}": "1", f"rank-{world['tackle'].pk}": "2",
        "contact": "李四 0351-1234567"})
    page = client.get(url).content.decode()
    assert "当前顺序：由测试用户于2024-08-01 10:00手动调整（之后新加入的案例排在末尾）。" in page
    assert "恢复默认顺序（按各园区科协、企业科协报送的序号排列" in page

    response = client.post(reverse("review:batch_restore_order"), {"org": world["county"].pk, "batch": batch.pk}, follow=True)
    assert "名单已恢复为默认顺序。" in response.content.decode()
    assert titles(batch) == ["攻坚", "煤矸石"]


# --- the city: experts' scores first, the counties' order on equal scores ----------------------------


@pytest.fixture
def city_world(two_senders):
    """The county forwards 攻坚, 储能, 煤矸石, 氢能 (in that order) to 太原; one city expert scores
    煤矸石 77, 储能 77, 攻坚 90 and leaves 氢能 unscored. Quota: 3 cases, 1 presenter."""
    world = two_senders
    county_staff = world["staff"][Tier.COUNTY]
    pass_at_county(world, world["coal"], world["hydrogen"], world["tackle"], world["storage"])
    county_batch = open_batch(organisation=world["county"], campaign=world["campaign"])
    forward(county_batch, county_staff, at=EARLY)
    CityQuota.objects.filter(campaign=world["campaign"], city=world["city"]).update(cases=3, presenters=1)
    Case.objects.filter(pk=world["tackle"].pk).update(is_presenter_candidate=True)
    city_staff = world["staff"][Tier.CITY]
    expert = factories.user(Role.CITY_EXPERT, organisation_=world["city"], username="cityexpert")
    criteria = criteria_of(world["campaign"])
    for case, total in ((world["coal"], 77), (world["storage"], 77), (world["tackle"], 90)):
        assignment = assign_expert(case=Case.objects.get(pk=case.pk), expert=expert, tier=Tier.CITY, actor=city_staff)
        submit_score(assignment=assignment, actor=expert, points={c.pk: total for c in criteria}, comment="评审意见")
    return world


def test_the_city_list_starts_in_the_experts_score_order_ties_by_the_countys_rank(city_world):
    world = city_world
    cases = [world[name] for name in ("coal", "storage", "tackle")]

    batch = apply_city_selection(city=world["city"], campaign=world["campaign"], selected_ids={c.pk for c in cases},
                                 presenter_ids={world["tackle"].pk}, actor=world["staff"][Tier.CITY])

    # 攻坚 90; then the two 77s in the county's order (储能 was its 2nd, 煤矸石 its 3rd).
    assert titles(batch) == ["攻坚", "储能", "煤矸石"]
    assert table_titles(batch, ["攻坚", "储能", "煤矸石"]) == ["攻坚", "储能", "煤矸石"]  # 附件6


def test_the_assistants_proposal_and_the_page_keep_the_citys_order(client, city_world):
    world = city_world
    client.force_login(world["staff"][Tier.CITY])
    url = reverse("review:city_selection") + f"?org={world['city'].pk}"

    response = client.get(url + "&propose=1")

    proposal = response.context["proposal"]
    assert [Case.objects.get(pk=pk).title for pk in proposal.case_ids] == ["攻坚", "储能", "煤矸石"]
    assert [case.title for case, _score in response.context["pool"]] == ["攻坚", "储能", "煤矸石", "氢能"]
    page = response.content.decode()
    assert ("下列案例按市级专家评分从高到低排列（未评分的排在最后）；评分相同的按各县报送的序号排列"
            "（多个县交替排列：先各县第1名，再各县第2名……）。遴选助手按此顺序推荐，本市名单也按此顺序排列。") in page

    # Saving the proposal as it is ticked gives the city's list in the same order.
    client.post(reverse("review:city_selection_apply"), {
        "org": world["city"].pk, "selected": proposal.case_ids, "presenter": [c.case_id for c in proposal.presenters]})
    batch = Batch.objects.get(organisation=world["city"])
    assert list(batch.items.order_by("rank").values_list("case_id", flat=True)) == proposal.case_ids


def test_an_unranked_case_goes_after_the_ranked_ones_at_the_county(county_world):
    """A case that reached the county without a forwarded list (data brought in from elsewhere)."""
    world = county_world
    other_park = factories.organisation(OrganisationKind.PARK_ASSOCIATION, world["county"], name="外来园区科协")
    stray = make_case(world, factories.enterprise(other_park), CaseStatus.COUNTY_PASSED, "外来案例")
    park_staff = world["staff"][Tier.ASSOCIATION]
    ranked = make_case(world, world["enterprises"][0], CaseStatus.ASSOCIATION_RECOMMENDED, "有序号案例")
    forward(open_batch(organisation=world["park"], campaign=world["campaign"]), park_staff, at=EARLY)
    decide_case(case=ranked, tier=Tier.COUNTY, decision="pass", actor=world["staff"][Tier.COUNTY])

    batch = open_batch(organisation=world["county"], campaign=world["campaign"])

    assert titles(batch) == ["有序号案例", "外来案例"]
    assert stray.pk < ranked.pk  # created first, yet after the case its sender ranked
