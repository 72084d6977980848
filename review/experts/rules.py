"""Who may do what in expert review, and recusal (回避). Pure predicates over loaded rows; the
views, templates and services all ask here."""

import datetime

from cases.deadlines import holder_of, stage_closes_at
from cases.enums import CaseStatus, Role, Tier
from cases.queries import memberships_of
from cases.rules import can_administer, campaign_is_open, may_act_for_tier, organisation_id_for_tier
from review.models.scoring import AUTOMATIC_CONFLICT_SOURCES, ConflictOfInterest, ConflictSource, ExpertProfile
from review.selection.rules import freezing_state

# The status a case is in while the tier's experts score it.
SCORING_STATUS = {Tier.CITY: CaseStatus.CITY_REVIEW, Tier.PROVINCE: CaseStatus.PROVINCE_REVIEW}
EXPERT_ROLE = {Tier.CITY: Role.CITY_EXPERT, Tier.PROVINCE: Role.PROVINCE_EXPERT}
# The django-guardian permission an assignment grants on its case (review.experts.services keeps it
# in step with the assignments; the read in review.experts.queries asks for it as well).
VIEW_CASE = "cases.view_case"


def case_city_id(case) -> int | None:
    return organisation_id_for_tier(case, Tier.CITY)


def automatic_conflict_sources(profile, case, tier: Tier) -> set[str]:
    """The automatic reasons for recusal: the case comes from the expert's own enterprise or, for the
    provincial pool, from the expert's home city (city experts all come from the case's city)."""
    if profile is None:
        return set()
    sources = set()
    if profile.employer_id and profile.employer_id == case.enterprise_id:
        sources.add(ConflictSource.EMPLOYER)
    if tier == Tier.PROVINCE and profile.home_city_id and profile.home_city_id == case_city_id(case):
        sources.add(ConflictSource.HOME_CITY)
    return sources


def active_conflict_sources(profile, case, tier: Tier, conflict_rows) -> set[str]:
    """Reasons the expert must recuse from `case`: automatic ones not dismissed, plus declared ones.
    `conflict_rows` are the expert's ConflictOfInterest rows for this case."""
    sources = automatic_conflict_sources(profile, case, tier)
    for row in conflict_rows:
        if row.source == ConflictSource.DECLARED:
            sources.add(ConflictSource.DECLARED)
        elif row.source in AUTOMATIC_CONFLICT_SOURCES and row.dismissed_at is not None:
            sources.discard(row.source)
    return sources


def is_conflicted(expert, case, tier: Tier) -> bool:
    """One case, one expert: reads the profile and conflict rows (two queries)."""
    profile = profile_of(expert)
    rows = list(ConflictOfInterest.objects.filter(expert=expert, case=case))
    return bool(active_conflict_sources(profile, case, tier, rows))


def holds_expert_role(memberships, case, tier: Tier) -> bool:
    """Among these memberships: a provincial expert's role, or a city expert's role in the case's own city."""
    for membership in memberships:
        if membership.role != EXPERT_ROLE[tier]:
            continue
        if tier == Tier.PROVINCE or membership.organisation_id == case_city_id(case):
            return True
    return False


def is_expert_for(user, case, tier: Tier) -> bool:
    """A provincial expert of the pool, or a city expert of the case's own city."""
    return holds_expert_role(memberships_of(user), case, tier)


def assignment_allowed(assignment, *, profile, memberships, conflict_rows) -> bool:
    """Whether the rules still allow this assignment now: the expert still holds the tier's expert
    role for the case and no reason to recuse applies (回避). Every read (the case pages, files,
    previews, the expert's list, the scores that count) and the re-evaluation after a change of
    home city, employer or conflicts ask this, through review.experts.queries.still_allowed."""
    tier = Tier(assignment.tier)
    return holds_expert_role(memberships, assignment.case, tier) and not active_conflict_sources(
        profile, assignment.case, tier, conflict_rows
    )


def may_manage_experts(user, case, tier: Tier) -> bool:
    """Provincial staff assign provincial experts; the case's city staff assign its city experts."""
    if not user.is_authenticated:
        return False
    if tier == Tier.PROVINCE and user.is_superuser:
        return True
    return may_act_for_tier(user, case, tier)


def cities_managed_by(user) -> list[int]:
    """The ids of the cities whose experts `user` manages at the city tier (as city staff)."""
    return sorted({m.organisation_id for m in memberships_of(user) if m.role == Role.CITY_STAFF})


def may_manage_pool(user, tier: Tier) -> bool:
    """Provincial staff keep the provincial pool; a city's staff keep their city's experts."""
    if not user.is_authenticated:
        return False
    if tier == Tier.PROVINCE:
        return can_administer(user)
    return bool(cities_managed_by(user))


def scoring_closes_at(case, tier: Tier) -> datetime.datetime | None:
    """Scores lock at the campaign's scoring deadline (province) or the city's stage deadline (city).
    Provincial scores also lock earlier, when the 公示 is published (scores_locked_by_selection)."""
    if tier == Tier.PROVINCE:
        return case.campaign.scoring_closes_at
    return stage_closes_at(case.campaign, Tier.CITY, **holder_of(case, Tier.CITY))


def scores_locked_by_selection(case, tier: Tier) -> bool:
    """Provincial scores freeze once the province's 公示 is published or final: the published
    ranking was computed from them (review.selection.rules)."""
    return tier == Tier.PROVINCE and freezing_state(case.campaign) is not None


def scoring_is_open(case, tier: Tier, now: datetime.datetime) -> bool:
    """Scores may change while the case is in the tier's review, before the deadline, while the
    campaign is not closed (a closed campaign is an archive) and, at the provincial tier, until
    the 公示 is published."""
    closes = scoring_closes_at(case, tier)
    return (
        campaign_is_open(case.campaign) and case.status == SCORING_STATUS[tier]
        and (closes is None or now < closes)
        and not scores_locked_by_selection(case, tier)
    )


def profile_of(user):
    """The user's expert profile (select_related("expert_profile") avoids a query per user), or None."""
    try:
        return user.expert_profile
    except ExpertProfile.DoesNotExist:
        return None
