"""Reads of expert review: an expert's assigned cases, the assignment board, scores and their
aggregate. Visibility always goes through cases_visible_to and the recusal rules."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from guardian.shortcuts import get_objects_for_user

from cases.enums import EXPERT_ROLES, OrganisationKind, Tier
from cases.models import Campaign, Case, Enterprise, Membership, Organisation
from cases.queries import cases_visible_to, memberships_of
from review.experts.aggregation import CaseAggregate, aggregate
from review.experts.rules import (
    EXPERT_ROLE,
    SCORING_STATUS,
    VIEW_CASE,
    active_conflict_sources,
    assignment_allowed,
    automatic_conflict_sources,
    cities_managed_by,
    is_conflicted,
    profile_of,
)
from review.models.scoring import ConflictOfInterest, ExpertAssignment, ExpertProfile, ExpertScore

# What the recusal rules read of an assignment's case (its enterprise and its city, from the path).
ASSIGNMENT_CASE = "case__enterprise__association"


def still_allowed(assignments) -> list[ExpertAssignment]:
    """The assignments the rules allow now (rules.assignment_allowed), read fresh from the
    database: profiles, expert roles and conflict rows in three queries whatever the number. So a
    home city, employer, role or declared conflict changed by any path (the pool page, the admin,
    an import, a shell) takes effect on the next read. Each assignment needs its case with
    ASSIGNMENT_CASE loaded."""
    assignments = list(assignments)
    if not assignments:
        return []
    expert_ids = {assignment.expert_id for assignment in assignments}
    profiles = {profile.user_id: profile for profile in ExpertProfile.objects.filter(user_id__in=expert_ids)}
    roles = defaultdict(list)
    for membership in Membership.objects.filter(user_id__in=expert_ids, role__in=EXPERT_ROLES):
        roles[membership.user_id].append(membership)
    conflict_rows = defaultdict(list)
    for row in ConflictOfInterest.objects.filter(
        expert_id__in=expert_ids, case_id__in={assignment.case_id for assignment in assignments}
    ):
        conflict_rows[(row.expert_id, row.case_id)].append(row)
    return [
        assignment for assignment in assignments
        if assignment_allowed(assignment, profile=profiles.get(assignment.expert_id), memberships=roles[assignment.expert_id],
                              conflict_rows=conflict_rows[(assignment.expert_id, assignment.case_id)])
    ]


def readable_case_ids(user) -> list[int]:
    """The cases `user` may read as an expert now: an active assignment, the view permission it
    granted, and no rule against it (still_allowed). Registered with cases.queries.cases_visible_to
    (review.apps), so every case page, file, preview and download of an expert asks this."""
    if not any(membership.role in EXPERT_ROLES for membership in memberships_of(user)):
        return []
    granted = get_objects_for_user(user, VIEW_CASE, klass=Case, with_superuser=False, accept_global_perms=False)
    assignments = (
        ExpertAssignment.objects.active().filter(expert=user, case__in=granted.values("pk")).select_related(ASSIGNMENT_CASE)
    )
    return sorted({assignment.case_id for assignment in still_allowed(assignments)})


def assignments_of(expert, campaign: Campaign | None) -> QuerySet[ExpertAssignment]:
    """The expert's active assignments in the campaign, with case and score, in a fixed number of queries."""
    if campaign is None:
        return ExpertAssignment.objects.none()
    return (
        ExpertAssignment.objects.active()
        .filter(expert=expert, case__campaign=campaign, case__in=cases_visible_to(expert))
        .select_related("case__enterprise__association", "score")
        .order_by("tier", "case__title", "pk")
    )


def assignment_for_expert_or_404(expert, case_id: int, tier: int | None = None) -> ExpertAssignment:
    """The expert's active assignment on a visible case without a conflict, else 404 (a conflicted
    expert learns nothing, not even that the case exists)."""
    rows = ExpertAssignment.objects.active().filter(
        expert=expert, case_id=case_id, case__in=cases_visible_to(expert)
    ).select_related("case__campaign", "case__enterprise__association", "score")
    if tier is not None:
        rows = rows.filter(tier=tier)
    assignment = rows.order_by("-tier").first()
    if assignment is None or is_conflicted(expert, assignment.case, Tier(assignment.tier)):
        raise Http404
    return assignment


def scores_of_case(case: Case, tier: int) -> list[ExpertScore]:
    """Scores that count for the case at the tier (active assignments the rules still allow), lowest expert id first."""
    scores = list(
        ExpertScore.objects.filter(assignment__case=case, assignment__tier=tier, assignment__ended_at__isnull=True)
        .select_related("assignment__expert", f"assignment__{ASSIGNMENT_CASE}").order_by("assignment__expert_id")
    )
    allowed = {assignment.pk for assignment in still_allowed(score.assignment for score in scores)}
    return [score for score in scores if score.assignment_id in allowed]


def score_rows(campaign: Campaign, tier: int) -> list[tuple[int, int, float]]:
    """(expert_id, case_id, total) of every counted score at the tier in the campaign: the score of
    an active assignment the rules still allow (still_allowed), so a recusal recorded by any path
    drops the score from every aggregate and ranking at once."""
    scores = list(
        ExpertScore.objects.filter(
            assignment__case__campaign=campaign, assignment__tier=tier, assignment__ended_at__isnull=True
        ).select_related(f"assignment__{ASSIGNMENT_CASE}").only(
            "total", "assignment__expert_id", "assignment__tier", "assignment__case__enterprise_id",
            "assignment__case__enterprise__association__path",
        )
    )
    allowed = {assignment.pk for assignment in still_allowed(score.assignment for score in scores)}
    return [
        (score.assignment.expert_id, score.assignment.case_id, float(score.total))
        for score in scores if score.assignment_id in allowed
    ]


def aggregates_for(campaign: Campaign, tier: int, case_ids) -> dict[int, CaseAggregate]:
    """The aggregate per case (z-scores across each expert's scores at the tier when the campaign says so)."""
    return aggregate(score_rows(campaign, tier), normalise=campaign.normalise_expert_scores, case_ids=case_ids)


@dataclass
class BoardRow:
    case: Case
    assignments: list
    scored: int
    conflicts: list[tuple[object, str]] = field(default_factory=list)  # (expert, source) automatic, dismissable
    aggregate: CaseAggregate | None = None
    # Pool experts the manual assignment may offer: not assigned to the case yet, no reason to recuse.
    assignable: list = field(default_factory=list)

    @property
    def experts_missing(self) -> int:
        """How many experts the case lacks against campaign.experts_per_case (e.g. after a recusal)."""
        return max(0, self.case.campaign.experts_per_case - len(self.assignments))


def board_cases(user, campaign: Campaign, tier: Tier) -> QuerySet[Case]:
    """The cases whose experts `user` manages at `tier`: provincial staff see the province's
    cases under provincial selection; city staff their city's cases under city review."""
    cases = cases_visible_to(user).filter(campaign=campaign, status=SCORING_STATUS[tier])
    if tier == Tier.CITY:
        from cases.queries import memberships_of
        from cases.enums import Role

        cities = [m.organisation.path for m in memberships_of(user) if m.role == Role.CITY_STAFF]
        condition = Q(pk__in=[])
        for path in cities:
            condition |= Q(enterprise__association__path__startswith=path)
        cases = cases.filter(condition)
    return cases.select_related("campaign", "enterprise__association").order_by("pk")


def assignment_board(cases: list[Case], tier: Tier, pool: list) -> list[BoardRow]:
    """One row per case: its active assignments (with score), the automatic conflicts of pool
    experts that staff could dismiss, and the pool experts that may still be assigned to it (neither
    assigned already nor bound to recuse: assign_expert would refuse them). A fixed number of
    queries whatever the number of cases."""
    case_ids = [case.pk for case in cases]
    by_pk = {case.pk: case for case in cases}
    active = list(
        ExpertAssignment.objects.active().filter(case_id__in=case_ids, tier=tier)
        .select_related("expert", "score").order_by("assigned_at", "pk")
    )
    for assignment in active:
        assignment.case = by_pk[assignment.case_id]  # loaded already, with what the recusal rules read
    assignments = defaultdict(list)
    for assignment in still_allowed(active):
        assignments[assignment.case_id].append(assignment)
    conflict_rows = defaultdict(list)
    if pool:  # only the pool experts' rows are read below
        for row in ConflictOfInterest.objects.filter(case_id__in=case_ids):
            conflict_rows[(row.expert_id, row.case_id)].append(row)
    rows = []
    for case in cases:
        row = BoardRow(case=case, assignments=assignments[case.pk],
                       scored=sum(1 for a in assignments[case.pk] if hasattr(a, "score")))
        assigned = {assignment.expert_id for assignment in row.assignments}
        for expert in pool:
            profile = profile_of(expert)
            automatic = automatic_conflict_sources(profile, case, tier)
            still = active_conflict_sources(profile, case, tier, conflict_rows[(expert.pk, case.pk)])
            for source in sorted(automatic & still):
                row.conflicts.append((expert, source))
            if not still and expert.pk not in assigned:
                row.assignable.append(expert)
        rows.append(row)
    return rows


def scoring_overview(user, campaign: Campaign, tier: Tier) -> list[BoardRow]:
    """The scores page: one row per case whose experts `user` manages at `tier` (board_cases), with
    its active assignments the rules still allow (expert, score and comment) and its aggregate.

    One load of the tier's active assignments in the campaign serves the rows and the aggregates
    (score_rows: the z-scores read every counted score of the tier, not only these cases'), with
    one still_allowed over them. Each case, campaign and expert is one object shared by its
    assignments (building a model instance per joined row was most of the page's time), and only
    the columns the page shows are read (a case row carries the whole 推荐表). Six queries
    whatever the number of cases, seven when scores of cases outside the page count too."""
    cases = list(board_cases(user, campaign, tier).select_related(None).select_related("enterprise__association")
                 .only("title", "campaign_id", "enterprise_id", "enterprise__association__path"))
    for case in cases:
        case.campaign = campaign
    by_pk = {case.pk: case for case in cases}
    active = list(
        ExpertAssignment.objects.active().filter(case__campaign=campaign, tier=tier).select_related("score")
        .only("case_id", "expert_id", "tier", "assigned_at", "score__assignment_id", "score__total", "score__comment")
        .order_by("assigned_at", "pk")
    )
    outside = {a.case_id for a in active} - set(by_pk)
    if outside:  # scored cases no longer on the page still count in the experts' z-scores
        by_pk_outside = {case.pk: case for case in Case.objects.filter(pk__in=outside).select_related("enterprise__association")
                         .only("enterprise_id", "enterprise__association__path")}
    else:
        by_pk_outside = {}
    experts = {expert.pk: expert for expert in get_user_model().objects.filter(pk__in={a.expert_id for a in active})
               .only("username", "first_name", "last_name")}
    for assignment in active:
        assignment.case = by_pk.get(assignment.case_id) or by_pk_outside[assignment.case_id]
        assignment.expert = experts[assignment.expert_id]
    allowed = still_allowed(active)
    aggregates = aggregate(
        [(a.expert_id, a.case_id, float(a.score.total)) for a in allowed if has_score(a)],
        normalise=campaign.normalise_expert_scores, case_ids=list(by_pk),
    )
    assignments = defaultdict(list)
    for assignment in allowed:
        if assignment.case_id in by_pk:
            assignments[assignment.case_id].append(assignment)
    return [
        BoardRow(case=case, assignments=assignments[case.pk], aggregate=aggregates.get(case.pk),
                 scored=sum(1 for a in assignments[case.pk] if has_score(a)))
        for case in cases
    ]


def has_score(assignment: ExpertAssignment) -> bool:
    """Whether the assignment's expert has scored (its score row loaded with it)."""
    try:
        return assignment.score is not None
    except ExpertScore.DoesNotExist:
        return False


def expert_loads(campaign: Campaign, tier: Tier, experts: list) -> dict[int, dict]:
    """Per expert: active assignments and submitted scores at the tier in the campaign."""
    counts = (
        ExpertAssignment.objects.active().filter(case__campaign=campaign, tier=tier, expert__in=experts)
        .values("expert_id").annotate(assigned=Count("id"), scored=Count("score"))
    )
    result = {expert.pk: {"assigned": 0, "scored": 0} for expert in experts}
    for row in counts:
        result[row["expert_id"]] = {"assigned": row["assigned"], "scored": row["scored"]}
    return result


def pool_candidates(user, tier: Tier) -> QuerySet:
    """The active accounts `user` may put into the tier's pool: every provincial expert for
    provincial staff; the experts of their own cities for city staff. Those already in the pool
    are listed too, so their details can be corrected."""
    memberships = Membership.objects.filter(role=EXPERT_ROLE[tier])
    if tier == Tier.CITY:
        memberships = memberships.filter(organisation_id__in=cities_managed_by(user))
    return (
        get_user_model().objects.filter(pk__in=memberships.values("user_id"), is_active=True)
        .select_related("expert_profile").order_by("pk")
    )


def employer_choices(user, tier: Tier) -> QuerySet[Enterprise]:
    """Enterprises an expert of the tier's pool may work for, as far as recusal cares: any at the
    provincial tier; the staff's own cities' at the city tier (nothing of another city shows)."""
    enterprises = Enterprise.objects.order_by("name", "pk")
    if tier == Tier.PROVINCE:
        return enterprises
    paths = Organisation.objects.filter(pk__in=cities_managed_by(user)).values_list("path", flat=True)
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(association__path__startswith=path)
    return enterprises.filter(condition)


def home_city_choices() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.CITY).order_by("path")
