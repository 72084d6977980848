"""The city's selection: build the list against its quota with every rule of 附件2 shown live."""


from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.enums import CaseStatus, Tier
from cases.models import Case
from cases.queries import cases_visible_to
from portal.actions import perform
from quotas.models import CityQuota
from review.models import BatchStatus
from quotas.selection import propose_from_campaign
from review.list_order import default_order, default_order_text, intake_order
from review.queries import staff_membership_for, with_problem_counts
from review.services import apply_city_selection, batch_candidates, open_batch
from review.views.access import campaign_or_404


def _city_membership_or_404(request):
    raw = request.GET.get("org") or request.POST.get("org")
    membership = staff_membership_for(request.user, int(raw) if str(raw or "").isdigit() else None)
    if membership is None or membership.tier != Tier.CITY:
        raise Http404
    return membership


FIX_LABELS = {
    "add": gettext_lazy("add"), "drop": gettext_lazy("take off"),
    "mark_presenter": gettext_lazy("mark as presenter"), "unmark_presenter": gettext_lazy("unmark presenter"),
}


def _rule_results(candidates, campaign, quota, pool=()) -> list:
    from quotas.rules import checks_from_campaign

    return checks_from_campaign(candidates, campaign, quota, pool=pool)


def _fix_texts(check) -> list[str]:
    return [f"{FIX_LABELS[str(fix.action)]}：{fix.title}" for fix in check.fixes[:5]]


def city_rule_context(batch, items) -> dict:
    quota = CityQuota.objects.filter(campaign=batch.campaign, city=batch.organisation).first()
    if quota is None:
        return {"quota": None, "rule_checks": []}
    return {"quota": quota, "rule_checks": _rule_results(batch_candidates(items), batch.campaign, quota)}


def _pool(request, membership, campaign):
    return with_problem_counts(
        cases_visible_to(request.user).filter(
            campaign=campaign, enterprise__association__path__startswith=membership.organisation.path,
            status__in=(CaseStatus.CITY_REVIEW, CaseStatus.CITY_SELECTED, CaseStatus.CITY_NOT_SELECTED),
        ).select_related("enterprise__association")
    ).order_by("enterprise__association__path", "title")


@login_required
def city_selection(request):
    membership = _city_membership_or_404(request)
    campaign = campaign_or_404()
    batch = open_batch(organisation=membership.organisation, campaign=campaign)
    items = list(batch.items.select_related("case__enterprise").order_by("rank"))
    quota = CityQuota.objects.filter(campaign=campaign, city=membership.organisation).first()
    context = {"membership": membership, "campaign": campaign, "batch": batch, "quota": quota}
    if batch.status == BatchStatus.FORWARDED:
        # The list went to the province: show it as sent, not as a list of nothing failing every rule.
        return render(request, "review/city_selection.html", {**context, "forwarded_items": items})
    pool = _in_default_order(membership.organisation, campaign, list(_pool(request, membership, campaign)))
    scores = city_expert_scores(campaign, pool)
    pool_candidates = _pool_candidates(pool, campaign, scores)
    presenter_ids = {item.case_id for item in items if item.is_presenter_candidate}
    proposal = None
    selected_ids = {case.pk for case in pool if case.status == CaseStatus.CITY_SELECTED}
    if request.GET.get("propose") and quota is not None:
        proposal = propose_from_campaign(pool_candidates, campaign, quota)
        selected_ids = set(proposal.case_ids)
        presenter_ids = {candidate.case_id for candidate in proposal.presenters}
    checks = []
    if quota is not None:
        checks = _rule_results(_candidates_for_ids(pool, selected_ids, presenter_ids), campaign, quota, pool_candidates)
    context.update({
        "pool": [(case, scores.get(case.pk)) for case in pool],
        "selected_ids": selected_ids, "presenter_ids": presenter_ids, "proposal": proposal,
        "rule_checks": [(check, _fix_texts(check)) for check in checks],
        "check_url": reverse("review:city_selection_check"),
        "order_text": default_order_text(Tier.CITY),
    })
    return render(request, "review/city_selection.html", context)


def city_expert_scores(campaign, pool) -> dict:
    """The city experts' aggregate per case of the pool (what the assistant ranks by)."""
    from review.experts.queries import aggregates_for

    return aggregates_for(campaign, Tier.CITY, [case.pk for case in pool])


def _in_default_order(city, campaign, pool: list) -> list:
    """The pool in the order the city's list starts in: the assistant's and the list's order."""
    position = {case_id: index for index, case_id in enumerate(default_order(city, campaign, [case.pk for case in pool]))}
    return sorted(pool, key=lambda case: position[case.pk])


def _candidates_for_ids(pool, selected_ids: set[int], presenter_ids: set[int]):
    from dataclasses import replace

    from quotas.queries import candidates_for

    chosen = [case.pk for case in pool if case.pk in selected_ids]
    candidates = candidates_for(Case.objects.filter(pk__in=chosen))
    return [replace(c, is_presenter_candidate=c.case_id in presenter_ids) for c in candidates]


def _pool_candidates(pool, campaign, scores: dict | None = None):
    """Every open case of the city as a candidate, with the presenter offer the case carries, the
    city experts' score and the counties' order: the rules suggest fixes from these, the assistant
    ranks them (by the key the city's list starts in)."""
    from quotas.queries import candidates_for

    if scores is None:
        scores = city_expert_scores(campaign, pool)
    values = {case_id: aggregate.value for case_id, aggregate in scores.items()}
    open_ids = [case.pk for case in pool if case.status != CaseStatus.CITY_NOT_SELECTED]
    return candidates_for(Case.objects.filter(pk__in=open_ids), scores=values,
                          lower_ranks=intake_order(campaign, Tier.CITY, open_ids))


def _posted_ids(request, name: str) -> set[int]:
    return {int(value) for value in request.POST.getlist(name) if value.isdigit()}


@login_required
@require_POST
def city_selection_check(request):
    """Live check while the city ticks cases: the rules of 附件2 for the ticked list, as JSON."""
    membership = _city_membership_or_404(request)
    campaign = campaign_or_404()
    quota = CityQuota.objects.filter(campaign=campaign, city=membership.organisation).first()
    if quota is None:
        raise Http404
    pool = list(_pool(request, membership, campaign))
    selected = _posted_ids(request, "selected")
    # The same scored pool as the page: the live check suggests the same fixes the page showed.
    pool_candidates = _pool_candidates(pool, campaign)
    checks = _rule_results(_candidates_for_ids(pool, selected, _posted_ids(request, "presenter") & selected), campaign, quota,
                           pool_candidates)
    return JsonResponse({"checks": [
        {"code": str(check.code), "passed": check.passed, "state": check.state, "message": str(check.message), "fixes": _fix_texts(check)}
        for check in checks
    ], "selected": len(selected), "quota": quota.cases})


@login_required
@require_POST
def city_selection_apply(request):
    membership = _city_membership_or_404(request)
    campaign = campaign_or_404()
    selected = _posted_ids(request, "selected")
    visible = set(_pool(request, membership, campaign).values_list("pk", flat=True))
    perform(request, lambda: apply_city_selection(
        city=membership.organisation, campaign=campaign, selected_ids=selected & visible,
        presenter_ids=_posted_ids(request, "presenter") & selected & visible, actor=request.user,
    ), success=_("The city's list is saved."))
    return redirect(f"{reverse('review:city_selection')}?org={membership.organisation_id}")
