"""Recusal (回避) follows the rules at read time (issue 11, defect 2).

A change of an expert's home city, employer or declared conflicts ends every assignment the rules
now forbid, in one transaction (the assignment, the view permission, the score that counted, an
audit row, and the cases left short named to the staff). And whatever path records the change
(the pool page, the admin, a shell), every read asks the same predicate: the case pages, its
files, the narrative download, the preview, the expert's list and the scores that count.
"""

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_perms

from cases.enums import AuditAction, CaseStatus, Role, Tier, UploadSlot
from cases.models import AuditEvent
from review.experts.queries import aggregates_for, score_rows
from review.experts.services import (
    ReviewRefused,
    add_expert_to_pool,
    assign_expert,
    criteria_of,
    reevaluate_assignments,
    submit_score,
)
from review.models import ConflictOfInterest, ConflictSource, ExpertAssignment, ExpertProfile
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_case():
    """The issue's case: a 太原 case under provincial selection, a provincial expert from 晋中 assigned
    to it and scored, a second expert (晋城) assigned and scored too, and the case's narrative."""
    world.open_scoring()
    taiyuan_case = factories.complete_case(
        factories.enterprise(factories.park(factories.county(factories.city("太原市")))), title="太原回避案例")
    taiyuan_case.status = CaseStatus.PROVINCE_REVIEW
    taiyuan_case.save()
    staff = world.province_staff()
    criteria = criteria_of(taiyuan_case.campaign)
    experts = {}
    for key, home, points in (("moved", "晋中市", 90), ("other", "晋城市", 70)):
        expert = world.provincial_expert(home, name=f"{key}专家")
        assignment = assign_expert(case=taiyuan_case, expert=expert, tier=Tier.PROVINCE, actor=staff)
        submit_score(assignment=assignment, actor=expert, points={c.pk: points for c in criteria}, comment="意见")
        experts[key] = expert
    narrative = taiyuan_case.uploads.get(slot=UploadSlot.NARRATIVE)
    return {"case": taiyuan_case, "staff": staff, "narrative": narrative, **experts}


def expert_reads(client, expert, case, narrative) -> dict[str, int]:
    """What the issue probed, as the expert: status of each page."""
    client.force_login(expert)
    return {
        "expert case": client.get(reverse("review:expert_case", args=[case.pk])).status_code,
        "case page": client.get(reverse("cases:case_detail", args=[case.pk])).status_code,
        "files": client.get(reverse("cases:case_files", args=[case.pk])).status_code,
        "narrative": client.get(reverse("cases:download_file", args=[case.pk, narrative.pk])).status_code,
        "preview": client.get(reverse("review:upload_preview", args=[narrative.pk])).status_code,
        "listed": int(case.title in client.get(reverse("review:expert_home")).content.decode()),
    }


ALLOWED = {"expert case": 200, "case page": 200, "files": 200, "narrative": 200, "preview": 200, "listed": 1}
HIDDEN = {"expert case": 404, "case page": 404, "files": 404, "narrative": 404, "preview": 404, "listed": 0}


def counted_experts(case) -> set[int]:
    return {expert_id for expert_id, case_id, _total in score_rows(case.campaign, Tier.PROVINCE) if case_id == case.pk}


def test_moving_the_expert_to_the_cases_city_on_the_experts_page_ends_the_assignment_everywhere(client, scored_case):
    case, moved, narrative = scored_case["case"], scored_case["moved"], scored_case["narrative"]
    assert expert_reads(client, moved, case, narrative) == ALLOWED
    assert aggregates_for(case.campaign, Tier.PROVINCE, [case.pk])[case.pk].raw_mean == 80.0

    client.force_login(scored_case["staff"])
    response = client.post(reverse("review:expert_board", args=["province"]), {
        "expert": moved.pk, "home_city": factories.city("太原市").pk, "employer": "", "expertise": "智能制造"}, follow=True)

    page = response.content.decode()
    assert "根据新的信息，该专家须回避 1 个案例：这些评审分配已解除，其评分不再计入。" in page
    assert "以下案例现在缺少评审专家：“太原回避案例”。" in page
    assignment = ExpertAssignment.objects.get(case=case, expert=moved)
    assert assignment.ended_at is not None and assignment.ended_by == scored_case["staff"]
    assert get_perms(moved, case) == []
    event = AuditEvent.objects.get(action=AuditAction.EXPERT_RECUSED, case=case)
    assert (event.actor, event.details["expert"], event.details["score_dropped"]) == (scored_case["staff"], moved.pk, "90.00")
    assert expert_reads(client, moved, case, narrative) == HIDDEN
    assert counted_experts(case) == {scored_case["other"].pk}
    assert aggregates_for(case.campaign, Tier.PROVINCE, [case.pk])[case.pk].raw_mean == 70.0
    # The province's scores overview names the case that now lacks an expert.
    client.force_login(scored_case["staff"])
    overview = client.get(reverse("review:score_overview", args=["province"])).content.decode()
    missing = case.campaign.experts_per_case - 1  # the other expert remains
    assert "1 个案例缺少评审专家" in overview and f"太原回避案例: 缺少 {missing} 名专家" in overview
    # The other expert is untouched.
    assert expert_reads(client, scored_case["other"], case, narrative) == ALLOWED


@pytest.mark.parametrize("record", ["home city", "employer", "declared conflict", "role removed"])
def test_a_recusal_recorded_outside_the_services_hides_the_case_at_once(client, scored_case, record):
    """The admin, an import or a shell write the row directly: no service runs, the reads still obey."""
    case, moved, narrative = scored_case["case"], scored_case["moved"], scored_case["narrative"]
    if record == "home city":
        ExpertProfile.objects.filter(user=moved).update(home_city=factories.city("太原市"))
    elif record == "employer":
        ExpertProfile.objects.filter(user=moved).update(employer=case.enterprise)
    elif record == "declared conflict":
        ConflictOfInterest.objects.create(expert=moved, case=case, source=ConflictSource.DECLARED, reason="亲属任职")
    else:
        moved.memberships.all().delete()

    assert expert_reads(client, moved, case, narrative) == HIDDEN
    assert counted_experts(case) == {scored_case["other"].pk}
    assert [s.assignment.expert_id for s in _scores_of(case)] == [scored_case["other"].pk]


def _scores_of(case):
    from review.experts.queries import scores_of_case

    return scores_of_case(case, Tier.PROVINCE)


def test_a_dismissed_automatic_conflict_lets_the_expert_read_again(client, scored_case):
    case, moved, narrative = scored_case["case"], scored_case["moved"], scored_case["narrative"]
    ExpertProfile.objects.filter(user=moved).update(home_city=factories.city("太原市"))
    ConflictOfInterest.objects.create(expert=moved, case=case, source=ConflictSource.HOME_CITY,
                                      dismissed_at=timezone.now(), dismissal_reason="已调离太原")
    assert expert_reads(client, moved, case, narrative) == ALLOWED
    assert counted_experts(case) == {moved.pk, scored_case["other"].pk}


def test_changing_the_home_city_in_the_admin_ends_the_assignment_too(client, scored_case):
    case, moved = scored_case["case"], scored_case["moved"]
    admin = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    admin.is_staff = admin.is_superuser = True
    admin.save()
    profile = ExpertProfile.objects.get(user=moved)
    client.force_login(admin)
    response = client.post(reverse("admin:review_expertprofile_change", args=[profile.pk]), {
        "user": moved.pk, "home_city": factories.city("太原市").pk, "employer": "", "expertise": "智能制造",
        "is_active": "on"}, follow=True)
    assert "以下案例现在缺少评审专家：“太原回避案例”。" in response.content.decode()
    assert ExpertAssignment.objects.get(case=case, expert=moved).ended_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.EXPERT_RECUSED, case=case, actor=admin).count() == 1


def test_the_change_is_refused_whole_while_the_score_counts_in_a_published_public_notice(scored_case):
    from review.models import Selection, SelectionState

    case, moved = scored_case["case"], scored_case["moved"]
    Selection.objects.create(campaign=case.campaign, state=SelectionState.PUBLISHED, published_at=timezone.now())
    with pytest.raises(ReviewRefused, match="请先在“排名与评选”页面撤回公示，再重新保存此修改"):
        add_expert_to_pool(campaign=case.campaign, tier=Tier.PROVINCE, expert=moved, actor=scored_case["staff"],
                           home_city=factories.city("太原市"))
    assert ExpertProfile.objects.get(user=moved).home_city.region == "晋中市"  # rolled back with the refusal
    assert ExpertAssignment.objects.get(case=case, expert=moved).ended_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.EXPERT_RECUSED).exists()


def test_at_the_city_tier_the_employer_recuses_but_the_home_city_does_not(client):
    """City experts all come from the case's city: only their employer (and declared conflicts) recuse them."""
    taiyuan = factories.city("太原市")
    case = factories.complete_case(factories.enterprise(factories.park(factories.county(taiyuan))), title="市级评审案例")
    case.status = CaseStatus.CITY_REVIEW
    case.save()
    city_staff = factories.user(Role.CITY_STAFF, organisation_=taiyuan)
    expert = factories.user(Role.CITY_EXPERT, organisation_=taiyuan)
    add_expert_to_pool(campaign=case.campaign, tier=Tier.CITY, expert=expert, actor=city_staff)
    assign_expert(case=case, expert=expert, tier=Tier.CITY, actor=city_staff)
    narrative = case.uploads.get(slot=UploadSlot.NARRATIVE)
    assert expert_reads(client, expert, case, narrative) == ALLOWED  # home city 太原 = the case's city

    profile = add_expert_to_pool(campaign=case.campaign, tier=Tier.CITY, expert=expert, actor=city_staff,
                                 employer=case.enterprise)

    assert [(c.title, tier, missing) for c, tier, missing in profile.recusal.short] == [
        ("市级评审案例", Tier.CITY, case.campaign.experts_per_case)]
    assert expert_reads(client, expert, case, narrative) == HIDDEN
    assert reevaluate_assignments(expert=expert, actor=city_staff).ended == []  # nothing left to end: idempotent
