"""Writes of expert review: the pool, assignment (automatic and manual), recusal, scores.

Every write refuses once the campaign is closed (cases.rules.ensure_campaign_open), first of all.

Access follows assignment and the recusal rules, at read time: assigning grants the expert a
django-guardian `cases.view_case` permission on the case; an expert reads a case only with that
grant, an active assignment and no reason to recuse now (review.experts.queries.readable_case_ids,
asked by cases_visible_to), so a conflicted expert gets a 404 everywhere, whatever path recorded
the conflict. Ending the last allowed assignment (unassigning, a declared conflict, a changed home
city or employer: reevaluate_assignments) removes the grant too.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from cases.enums import AuditAction, OrganisationKind, Tier
from cases.models import AuditEvent, Campaign, Case, Enterprise, Membership, Organisation
from cases.refusals import Refused
from cases.rules import ensure_campaign_open
from review.experts.queries import ASSIGNMENT_CASE, still_allowed
from portal.queueing import enqueue_on_commit
from review.experts.rules import (
    EXPERT_ROLE,
    SCORING_STATUS,
    VIEW_CASE,
    active_conflict_sources,
    automatic_conflict_sources,
    case_city_id,
    cities_managed_by,
    is_conflicted,
    is_expert_for,
    may_manage_experts,
    may_manage_pool,
    profile_of,
    scoring_is_open,
)
from review.models.scoring import (
    AUTOMATIC_CONFLICT_SOURCES,
    ConflictOfInterest,
    ConflictSource,
    ExpertAssignment,
    ExpertProfile,
    ExpertScore,
    ScoringCriterion,
)
from review.notifications import notify_expert_assigned
from review.selection.rules import freezing_state


# AuditEvent actions of expert review.
AUDIT_CONFLICT_DISMISSED = AuditAction.CONFLICT_DISMISSED
AUDIT_CONFLICT_DECLARED = AuditAction.CONFLICT_DECLARED
AUDIT_EXPERT_ADDED_TO_POOL = AuditAction.EXPERT_ADDED_TO_POOL
AUDIT_EXPERT_RECUSED = AuditAction.EXPERT_RECUSED


class ReviewRefused(Refused):
    """A refused review action; the message says why, in the user's terms."""


def _sync_view_permission(expert, case: Case) -> None:
    """The expert may view the case exactly while an active assignment the rules allow exists."""
    if still_allowed(ExpertAssignment.objects.active().filter(expert=expert, case=case).select_related(ASSIGNMENT_CASE)):
        assign_perm(VIEW_CASE, expert, case)
    else:
        remove_perm(VIEW_CASE, expert, case)


@transaction.atomic
def assign_expert(*, case: Case, expert, tier: Tier, actor, now: datetime.datetime | None = None,
                  automatic: bool = False, notify: bool = True) -> ExpertAssignment:
    """Assign `expert` to score `case` at `tier`.

    Guards: the actor manages experts of this case at this tier; the case is in that tier's review;
    the expert belongs to the tier's pool (provincial experts; the case city's experts) and has no
    conflict with the case; the campaign is open. Side effects: the assignment row, the view permission,
    and after commit the "expert assigned" mail (unless `notify` is off: a caller assigning many
    cases at once mails each expert one list instead, see assign_experts_automatically).
    """
    ensure_campaign_open(case.campaign, error=ReviewRefused)
    now = now or timezone.now()
    if not may_manage_experts(actor, case, tier):
        raise ReviewRefused(_("You may not assign experts to this case."))
    if case.status != SCORING_STATUS[tier]:
        raise ReviewRefused(_("This case is not under review at this stage, so no expert can be assigned."))
    if not is_expert_for(expert, case, tier):
        raise ReviewRefused(_("This person is not an expert of this stage's pool."))
    if is_conflicted(expert, case, tier):
        raise ReviewRefused(_("This expert must recuse from this case (own city, own enterprise or a declared conflict)."))
    if tier == Tier.PROVINCE and freezing_state(case.campaign, lock=True) is not None:
        # A new expert could never score (scores are frozen with the 公示): the assignment would only mislead.
        raise ReviewRefused(_("The public notice of the winners is published, so provincial scoring is over and no "
                              "expert can be assigned now. To reopen scoring, withdraw the public notice first."))
    try:
        with transaction.atomic():
            assignment = ExpertAssignment.objects.create(
                case=case, expert=expert, tier=tier, automatic=automatic, assigned_by=actor, assigned_at=now
            )
    except IntegrityError:
        raise ReviewRefused(_("This expert is already assigned to this case.")) from None
    assign_perm(VIEW_CASE, expert, case)
    if notify:
        enqueue_on_commit(notify_expert_assigned, expert.pk, [assignment.pk])
    return assignment


@transaction.atomic
def unassign_expert(*, assignment: ExpertAssignment, actor, reason: str = "",
                    now: datetime.datetime | None = None) -> ExpertAssignment:
    """End an assignment (kept for history). Its score, if any, stops counting.
    Guards: the campaign is open; the actor manages this tier's experts of the case; a scored
    provincial assignment stays while the 公示 is published or final (review.selection.rules).
    Side effects: ended_at/by/reason; the view permission goes when no other assignment remains."""
    ensure_campaign_open(assignment.case.campaign, error=ReviewRefused)
    now = now or timezone.now()
    locked = ExpertAssignment.objects.select_for_update().select_related("case__enterprise__association").get(pk=assignment.pk)
    if not may_manage_experts(actor, locked.case, Tier(locked.tier)):
        raise ReviewRefused(_("You may not change the experts of this case."))
    if locked.ended_at is not None:
        return locked
    # Ending a scored assignment drops its score from the aggregate: frozen with the 公示 like the score itself.
    if (locked.tier == Tier.PROVINCE and ExpertScore.objects.filter(assignment=locked).exists()
            and freezing_state(locked.case.campaign, lock=True) is not None):
        raise ReviewRefused(_(
            "This expert's score counts in the published public notice of the winners, so the assignment cannot "
            "be removed now. If it must go, first withdraw the public notice on the page Ranking and selection."
        ))
    locked.ended_at, locked.ended_by, locked.end_reason = now, actor, (reason or "").strip()[:300]
    locked.save(update_fields=["ended_at", "ended_by", "end_reason"])
    _sync_view_permission(locked.expert, locked.case)
    return locked


def pool_for(campaign: Campaign, tier: Tier, city_id: int | None = None) -> list:
    """The experts of a tier's pool: provincial experts with an active profile, or the experts of one city."""
    User = get_user_model()
    memberships = Membership.objects.filter(role=EXPERT_ROLE[tier])
    if tier == Tier.CITY:
        memberships = memberships.filter(organisation_id=city_id)
    users = User.objects.filter(pk__in=memberships.values("user_id"), is_active=True)
    if tier == Tier.PROVINCE:
        users = users.filter(expert_profile__is_active=True)
    return list(users.select_related("expert_profile__home_city", "expert_profile__employer").order_by("pk"))


@transaction.atomic
def add_expert_to_pool(*, campaign: Campaign, tier: Tier, expert, actor, home_city: Organisation | None = None,
                       employer: Enterprise | None = None, expertise: str = "") -> ExpertProfile:
    """Put an account holding the tier's expert role into the expert pool (专家库), or update the
    details of one already there. Home city and employer decide automatic recusal (回避).

    Guards: the campaign is open; the actor keeps this tier's pool (provincial staff; city staff for
    their own city's experts); the account is active and holds the tier's expert role (at the city
    tier: in one of the actor's cities); a home city is a city. At the city tier the home city is
    the expert's own city, whatever was given.
    Side effects, in order: the expert profile, created or updated and made available for
    assignments; an audit event; the expert's assignments re-evaluated against the new home city
    and employer (reevaluate_assignments: those now forbidden end). The report of that is left on
    the returned profile as `recusal` (a RecusalReport) for the page to say which cases lack experts.
    """
    ensure_campaign_open(campaign, error=ReviewRefused)
    if not may_manage_pool(actor, tier):
        raise ReviewRefused(_("You may not change this expert pool."))
    roles = Membership.objects.filter(user=expert, role=EXPERT_ROLE[tier])
    if tier == Tier.CITY:
        roles = roles.filter(organisation_id__in=cities_managed_by(actor))
    expert_city_ids = list(roles.order_by("organisation_id").values_list("organisation_id", flat=True))
    if not expert.is_active or not expert_city_ids:
        raise ReviewRefused(_(
            "This account does not hold the expert role of this pool; give it that role first "
            "(directory import, or the accounts in the admin)."
        ))
    if tier == Tier.CITY:
        home_city = Organisation.objects.get(pk=expert_city_ids[0])
    elif home_city is not None and home_city.kind != OrganisationKind.CITY:
        raise ReviewRefused(_("Choose a city as the expert's home city."))
    expertise = (expertise or "").strip()[:200]
    # Locked: two staff saving the same expert at once must not both create a profile.
    profile = ExpertProfile.objects.select_for_update().filter(user=expert).first() or ExpertProfile(user=expert)
    profile.home_city, profile.employer, profile.expertise, profile.is_active = home_city, employer, expertise, True
    profile.save()
    AuditEvent.objects.create(
        action=AUDIT_EXPERT_ADDED_TO_POOL, actor=actor,
        summary=(_("Expert added to the pool: %(expert)s") % {"expert": expert.get_full_name() or expert.get_username()})[:300],
        details={"expert": expert.pk, "tier": int(tier), "home_city": home_city.pk if home_city else None,
                 "employer": employer.pk if employer else None, "expertise": expertise},
    )
    profile.recusal = reevaluate_assignments(expert=expert, actor=actor)
    return profile


@dataclass
class RecusalReport:
    ended: list = field(default_factory=list)  # the assignments the rules no longer allowed, now ended
    short: list = field(default_factory=list)  # (case, tier, experts missing) of the cases they left short

    def short_titles(self) -> str:
        return "、".join(f"“{case.title}”" for case, _tier, _missing in self.short)


@transaction.atomic
def reevaluate_assignments(*, expert, actor, now: datetime.datetime | None = None) -> RecusalReport:
    """Apply the recusal rules (回避) again to every active assignment of `expert`, after their home
    city, employer, expert role or declared conflicts changed (the pool page, the admin).

    The reads apply the rules anyway (review.experts.queries.still_allowed), so a change made by
    any other path already hides the case; this makes the records say so too, in one transaction.
    Guards: an assignment of a closed campaign is left as archived; a scored provincial assignment
    counted in a published or final 公示 cannot end (ReviewRefused, and the caller's change rolls back).
    Side effects, in order, for each assignment the rules no longer allow: it ends (ended_at/by,
    the reason), so its score stops counting in every aggregate and ranking; the expert's view
    permission on the case goes unless another allowed assignment remains; an audit event naming
    the case, the tier and the score that stopped counting. Returns the ended assignments and the
    cases now short of campaign.experts_per_case experts at that tier (for the staff to assign others).
    """
    now = now or timezone.now()
    active = list(
        ExpertAssignment.objects.active().select_for_update(of=("self",)).filter(expert=expert)
        .select_related("case__campaign", ASSIGNMENT_CASE).order_by("pk")
    )
    allowed = {assignment.pk for assignment in still_allowed(active)}
    forbidden = [a for a in active if a.pk not in allowed and a.case.campaign.closed_at is None]
    report = RecusalReport()
    if not forbidden:
        return report
    scores = {score.assignment_id: score for score in ExpertScore.objects.filter(assignment__in=forbidden)}
    for assignment in forbidden:
        if (assignment.tier == Tier.PROVINCE and assignment.pk in scores
                and freezing_state(assignment.case.campaign, lock=True) is not None):
            raise ReviewRefused(_(
                "With this change the expert must recuse from “%(case)s”, but their score counts in the published "
                "public notice of the winners. Withdraw the public notice on the page Ranking and selection first, "
                "then save the change again."
            ) % {"case": assignment.case.title})
    reason = _("Recusal: the expert's home city, employer or declared conflicts changed")
    for assignment in forbidden:
        assignment.ended_at, assignment.ended_by, assignment.end_reason = now, actor, reason[:300]
        assignment.save(update_fields=["ended_at", "ended_by", "end_reason"])
        score = scores.get(assignment.pk)
        AuditEvent.objects.create(
            action=AUDIT_EXPERT_RECUSED, actor=actor, case=assignment.case,
            summary=(_("Assignment ended by recusal: %(expert)s") % {
                "expert": expert.get_full_name() or expert.get_username()})[:300],
            details={"expert": expert.pk, "assignment": assignment.pk, "tier": int(assignment.tier),
                     "score_dropped": str(score.total) if score else None, "reason": reason},
        )
        report.ended.append(assignment)
    for case in {assignment.case_id: assignment.case for assignment in forbidden}.values():
        _sync_view_permission(expert, case)
    report.short = _cases_short_of_experts(forbidden)
    return report


def _cases_short_of_experts(assignments) -> list[tuple[Case, Tier, int]]:
    """(case, tier, missing) for the cases of these assignments that now have fewer allowed active
    assignments at that tier than the campaign asks (campaign.experts_per_case)."""
    keys = {(assignment.case_id, assignment.tier): assignment.case for assignment in assignments}
    remaining = still_allowed(
        ExpertAssignment.objects.active().filter(case_id__in={case_id for case_id, _tier in keys})
        .select_related(ASSIGNMENT_CASE)
    )
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for assignment in remaining:
        counts[(assignment.case_id, assignment.tier)] += 1
    short = []
    for (case_id, tier), case in sorted(keys.items(), key=lambda item: (item[0][1], item[0][0])):
        missing = case.campaign.experts_per_case - counts[(case_id, tier)]
        if missing > 0:
            short.append((case, Tier(tier), missing))
    return short


@dataclass
class AssignmentReport:
    created: int = 0
    short: dict[int, int] = field(default_factory=dict)  # case id → experts still missing


@transaction.atomic
def assign_experts_automatically(*, campaign: Campaign, tier: Tier, actor, cases=None,
                                 now: datetime.datetime | None = None) -> AssignmentReport:
    """Give every case under review at `tier` (or in `cases`) campaign.experts_per_case experts.

    Balanced: the most constrained cases (fewest eligible experts) are served first, and each takes
    the eligible experts with the least load (active assignments at this tier in the campaign),
    ties by user id, so the result is deterministic and loads differ by at most one where recusal
    allows. Never an expert of the case's own city (provincial tier) or enterprise, nor one with a
    declared conflict. Existing assignments are kept and counted. Refused when the campaign is closed.
    Side effects: assignment rows and view permissions (through assign_expert); after commit one
    mail per expert listing all the cases newly assigned to them.
    """
    ensure_campaign_open(campaign, error=ReviewRefused)
    now = now or timezone.now()
    scope = Case.objects.filter(campaign=campaign, status=SCORING_STATUS[tier])
    if cases is not None:
        scope = scope.filter(pk__in=[c.pk for c in cases])
    scope = list(scope.select_related("campaign", "enterprise__association").order_by("pk"))
    scope = [case for case in scope if may_manage_experts(actor, case, tier)]
    active = list(ExpertAssignment.objects.active().filter(tier=tier, case__campaign=campaign).values_list("case_id", "expert_id"))
    load: dict[int, int] = defaultdict(int)
    assigned: dict[int, set[int]] = defaultdict(set)
    for case_id, expert_id in active:
        load[expert_id] += 1
        assigned[case_id].add(expert_id)
    conflicts: dict[tuple[int, int], list] = defaultdict(list)
    for row in ConflictOfInterest.objects.filter(case__in=scope):
        conflicts[(row.expert_id, row.case_id)].append(row)
    pools: dict[int | None, list] = {}
    eligible: dict[int, list] = {}
    for case in scope:
        city_id = case_city_id(case) if tier == Tier.CITY else None
        if city_id not in pools:
            pools[city_id] = pool_for(campaign, tier, city_id)
        eligible[case.pk] = [
            expert for expert in pools[city_id]
            if expert.pk not in assigned[case.pk]
            and not active_conflict_sources(profile_of(expert), case, tier, conflicts[(expert.pk, case.pk)])
        ]
    report = AssignmentReport()
    new_assignments: dict[int, list[int]] = defaultdict(list)
    wanted = campaign.experts_per_case
    for case in sorted(scope, key=lambda c: (len(eligible[c.pk]), c.pk)):
        needed = wanted - len(assigned[case.pk])
        if needed <= 0:
            continue
        chosen = sorted(eligible[case.pk], key=lambda e: (load[e.pk], e.pk))[:needed]
        for expert in chosen:
            assignment = assign_expert(case=case, expert=expert, tier=tier, actor=actor, now=now, automatic=True, notify=False)
            new_assignments[expert.pk].append(assignment.pk)
            load[expert.pk] += 1
            assigned[case.pk].add(expert.pk)
            report.created += 1
        if len(chosen) < needed:
            report.short[case.pk] = needed - len(chosen)
    for expert_id, assignment_ids in sorted(new_assignments.items()):
        enqueue_on_commit(notify_expert_assigned, expert_id, assignment_ids)
    return report





@transaction.atomic
def declare_conflict(*, case: Case, expert, reason: str, now: datetime.datetime | None = None) -> ConflictOfInterest:
    """The expert declares a conflict with a case assigned to them (回避).

    Side effects, in order: the declared conflict row; every active assignment of the expert on the
    case ends (its score stops counting); the view permission goes; an audit event.
    Refused when the campaign is closed.
    """
    ensure_campaign_open(case.campaign, error=ReviewRefused)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused(_("Say briefly why you must recuse from this case."))
    assignments = list(ExpertAssignment.objects.active().select_for_update().filter(case=case, expert=expert))
    if not assignments:
        raise ReviewRefused(_("This case is not assigned to you."))
    scored = ExpertScore.objects.filter(assignment__in=[a for a in assignments if a.tier == Tier.PROVINCE]).exists()
    if scored and freezing_state(case.campaign, lock=True) is not None:
        # Ending the assignment would drop a score the published ranking was computed from.
        raise ReviewRefused(_("Your score counts in the published public notice of the winners, so your recusal cannot "
                              "be recorded here now. Tell the provincial center at once: they withdraw the public "
                              "notice, then you can recuse."))
    conflict, _created = ConflictOfInterest.objects.get_or_create(
        expert=expert, case=case, source=ConflictSource.DECLARED, defaults={"reason": reason}
    )
    for assignment in assignments:
        assignment.ended_at, assignment.ended_by, assignment.end_reason = now, expert, _("Conflict declared by the expert")
        assignment.save(update_fields=["ended_at", "ended_by", "end_reason"])
    _sync_view_permission(expert, case)
    AuditEvent.objects.create(
        action=AUDIT_CONFLICT_DECLARED, actor=expert, case=case,
        summary=_("Expert declared a conflict of interest")[:300], details={"expert": expert.pk, "reason": reason},
    )
    return conflict


@transaction.atomic
def dismiss_conflict(*, case: Case, expert, source: str, tier: Tier, actor, reason: str,
                     now: datetime.datetime | None = None) -> ConflictOfInterest:
    """Staff lift a wrong automatic conflict (e.g. the expert moved city) with a reason.

    Guards: the campaign is open; the actor manages this tier's experts for the case; the source is
    automatic and does apply to this expert and case; a reason is given. Side effects: the dismissal
    row; an audit event. Declared conflicts cannot be dismissed.
    """
    ensure_campaign_open(case.campaign, error=ReviewRefused)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not may_manage_experts(actor, case, tier):
        raise ReviewRefused(_("You may not change the experts of this case."))
    if source not in AUTOMATIC_CONFLICT_SOURCES:
        raise ReviewRefused(_("Only an automatic conflict can be dismissed; a declared conflict stands."))
    if not reason:
        raise ReviewRefused(_("Give the reason for dismissing this conflict; it is kept in the audit log."))
    profile = ExpertProfile.objects.filter(user=expert).first()
    if source not in automatic_conflict_sources(profile, case, tier):
        raise ReviewRefused(_("This automatic conflict does not apply to this expert and case."))
    conflict, _created = ConflictOfInterest.objects.select_for_update().get_or_create(
        expert=expert, case=case, source=source
    )
    conflict.dismissed_at, conflict.dismissed_by, conflict.dismissal_reason = now, actor, reason
    conflict.save(update_fields=["dismissed_at", "dismissed_by", "dismissal_reason"])
    AuditEvent.objects.create(
        action=AUDIT_CONFLICT_DISMISSED, actor=actor, case=case,
        summary=(_("Automatic conflict dismissed: %(expert)s") % {"expert": expert.get_full_name() or expert.get_username()})[:300],
        details={"expert": expert.pk, "source": source, "reason": reason, "tier": int(tier)},
    )
    return conflict


def criteria_of(campaign: Campaign) -> list[ScoringCriterion]:
    return list(ScoringCriterion.objects.filter(campaign=campaign).order_by("position", "pk"))


def weighted_total(criteria: list[ScoringCriterion], points: dict[int, int]) -> Decimal:
    """Σ weight × points / max_points, over Σ weight, on a 0–100 scale, to two decimals."""
    weight_sum = sum(criterion.weight for criterion in criteria)
    total = sum(criterion.weight * Decimal(points[criterion.pk]) / criterion.max_points for criterion in criteria)
    return (total / weight_sum * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def submit_score(*, assignment: ExpertAssignment, actor, points: dict[int, int], comment: str,
                 now: datetime.datetime | None = None) -> ExpertScore:
    """Record (or, until scores lock, change) the expert's score of the assigned case.

    Guards: the campaign is open; the actor is the assigned expert; the assignment is active; no
    conflict; provincial scores: the 公示 is not published or final (its ranking was computed from
    them; the selection row is locked for the check); the case is in the tier's review and scoring
    has not closed (Asia/Shanghai deadline); the campaign has criteria; every criterion has whole points within 0..max; a comment.
    Side effects: the score row (locked against a double submit).
    """
    ensure_campaign_open(assignment.case.campaign, error=ReviewRefused)
    now = now or timezone.now()
    locked = ExpertAssignment.objects.select_for_update().select_related("case__campaign", "case__enterprise__association").get(pk=assignment.pk)
    tier = Tier(locked.tier)
    if locked.expert_id != actor.pk:
        raise ReviewRefused(_("Only the assigned expert may score this case."))
    if locked.ended_at is not None or is_conflicted(actor, locked.case, tier):
        raise ReviewRefused(_("This case is no longer assigned to you."))
    # Locked so that a 公示 being published right now cannot slip in between this check and the score.
    if tier == Tier.PROVINCE and freezing_state(locked.case.campaign, lock=True) is not None:
        raise ReviewRefused(_(
            "Scores are locked: the province has published the public notice of the winners, which was "
            "computed from the scores given so far. If a score must change, ask the provincial center: it "
            "would have to withdraw the public notice first."
        ))
    if not scoring_is_open(locked.case, tier, now):
        raise ReviewRefused(_("Scoring of this case has closed; scores can no longer be changed."))
    comment = (comment or "").strip()
    if not comment:
        raise ReviewRefused(_("Write a comment explaining your score."))
    criteria = criteria_of(locked.case.campaign)
    if not criteria:
        raise ReviewRefused(_("No scoring criteria are set for this campaign; ask the provincial center."))
    clean: dict[int, int] = {}
    for criterion in criteria:
        value = points.get(criterion.pk)
        if value is None or isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= criterion.max_points:
            raise ReviewRefused(
                _("Give “%(criterion)s” a whole number of points from 0 to %(max)d.")
                % {"criterion": criterion.name, "max": criterion.max_points}
            )
        clean[criterion.pk] = value
    total = weighted_total(criteria, clean)
    stored_points = {str(key): value for key, value in clean.items()}
    score = ExpertScore.objects.filter(assignment=locked).first()
    if score is None:
        score = ExpertScore.objects.create(
            assignment=locked, points=stored_points, total=total, comment=comment, submitted_at=now, updated_at=now
        )
    else:
        score.points, score.total, score.comment, score.updated_at = stored_points, total, comment, now
        score.save(update_fields=["points", "total", "comment", "updated_at"])
    return score
