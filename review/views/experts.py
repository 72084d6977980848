"""Expert review pages: the expert's assigned cases, reading and scoring one; the staff's
assignment board (provincial pool or a city's experts) and scores overview."""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cases.enums import Role, Tier, UploadSlot
from cases.queries import case_uploads, has_role
from cases.rules import PERSONAL_DATA_SLOTS, can_administer
from portal.actions import perform
from cases.models import Organisation
from review.experts.accounts import create_expert_account, expert_sheet_template, import_expert_accounts
from review.experts.forms import AssignForm, ExpertAccountForm, ExpertSheetForm, PoolForm, ReasonForm, ScoreForm, expert_label
from review.experts.queries import (
    assignment_board,
    assignment_for_expert_or_404,
    assignments_of,
    board_cases,
    employer_choices,
    expert_loads,
    home_city_choices,
    pool_candidates,
    scores_of_case,
    has_score,
    scoring_overview,
)
from review.experts.rules import (
    EXPERT_ROLE,
    cities_managed_by,
    may_manage_experts,
    profile_of,
    scores_locked_by_selection,
    scoring_closes_at,
    scoring_is_open,
)
from review.experts.services import (
    ReviewRefused,
    add_expert_to_pool,
    assign_expert,
    assign_experts_automatically,
    criteria_of,
    declare_conflict,
    dismiss_conflict,
    pool_for,
    submit_score,
    unassign_expert,
)
from review.models import ConflictSource, ExpertAssignment
from review.views.access import campaign_or_404

TIERS = {"province": Tier.PROVINCE, "city": Tier.CITY}



# --- the expert's side ----------------------------------------------------------------------

@login_required
def expert_home(request):
    if not has_role(request.user, *EXPERT_ROLE.values()):
        raise Http404
    campaign = campaign_or_404()
    assignments = list(assignments_of(request.user, campaign))
    for assignment in assignments:
        # One campaign object for every row: whether the 公示 locks the scores is read once.
        assignment.case.campaign = campaign
    now = timezone.now()
    rows = [
        {"assignment": a, "case": a.case, "scored": hasattr(a, "score"),
         "open": scoring_is_open(a.case, Tier(a.tier), now)}
        for a in assignments
    ]
    return render(request, "review/expert_home.html", {
        "campaign": campaign, "rows": rows, "done": sum(1 for r in rows if r["scored"]),
    })


@login_required
def expert_case(request, pk: int):
    """Read the case and score it. A conflicted or unassigned expert gets a 404."""
    assignment = assignment_for_expert_or_404(request.user, pk)
    case = assignment.case
    tier = Tier(assignment.tier)
    criteria = criteria_of(case.campaign)
    own = getattr(assignment, "score", None)
    now = timezone.now()
    is_open = scoring_is_open(case, tier, now)
    locked_by_selection = scores_locked_by_selection(case, tier)
    if request.method == "POST":
        form = ScoreForm(request.POST, criteria=criteria)
        if form.is_valid():
            try:
                submit_score(assignment=assignment, actor=request.user, points=form.points(),
                             comment=form.cleaned_data["comment"], now=now)
            except ReviewRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Your score was saved."))
                return redirect("review:expert_case", pk=case.pk)
    else:
        initial = {}
        if own:
            initial = {f"criterion_{key}": value for key, value in own.points.items()}
            initial["comment"] = own.comment
        form = ScoreForm(initial=initial, criteria=criteria)
    uploads, _earlier = case_uploads(case)
    # The stamped 推荐表 and its Word version carry the contact's phone: not for experts (SPEC §8).
    documents = [(UploadSlot(slot).label, files) for slot, files in uploads.items() if slot not in PERSONAL_DATA_SLOTS]
    # Others' scores only once the expert's own is in, so nobody anchors on them.
    others = [s for s in scores_of_case(case, tier) if s.assignment.expert_id != request.user.pk] if own else []
    return render(request, "review/expert_case.html", {
        "assignment": assignment, "case": case, "form": form, "own": own, "others": others,
        "criteria": criteria, "open": is_open, "closes_at": scoring_closes_at(case, tier),
        "provincial": tier == Tier.PROVINCE, "locked_by_selection": locked_by_selection,
        # Without criteria the expert is told before typing anything; a form already posted is
        # still shown (with the refusal) so its points and comment are not lost.
        "show_score_form": form.is_bound or (is_open and bool(criteria)),
        "documents": documents, "conflict_form": ReasonForm(),
    })


@login_required
@require_POST
def expert_declare_conflict(request, pk: int):
    assignment = assignment_for_expert_or_404(request.user, pk)
    form = ReasonForm(request.POST)
    recused = perform(request, lambda: declare_conflict(case=assignment.case, expert=request.user, reason=form.data.get("reason", "")),
                      success=_("You have recused yourself from the case; it is no longer shown to you."))
    return redirect("review:expert_home") if recused else redirect("review:expert_case", pk=pk)


# --- the staff's side -------------------------------------------------------------------------

def tell_recusal(request, report) -> None:
    """Say which assignments a change of an expert's details ended (回避) and which cases now lack
    experts, so the staff assign others (the scores overview marks those cases as well)."""
    if not report.ended:
        return
    messages.warning(request, _(
        "Because of the new details the expert must recuse from %(count)d case(s): those assignments have ended "
        "and their scores no longer count."
    ) % {"count": len(report.ended)})
    if report.short:
        messages.error(request, _(
            "These cases now lack experts: %(titles)s. Assign other experts to them below (or use automatic assignment)."
        ) % {"titles": report.short_titles()})


def _tier_or_404(request, tier_slug: str) -> Tier:
    tier = TIERS.get(tier_slug)
    if tier is None:
        raise Http404
    if tier == Tier.PROVINCE and not can_administer(request.user):
        raise Http404
    if tier == Tier.CITY and not has_role(request.user, Role.CITY_STAFF):
        raise Http404
    return tier


def _pool(request, campaign, tier):
    """The provincial pool, or the experts of the cities the city staff work for."""
    if tier == Tier.PROVINCE:
        return pool_for(campaign, tier)
    experts, seen = [], set()
    for city_id in cities_managed_by(request.user):
        for expert in pool_for(campaign, tier, city_id):
            if expert.pk not in seen:
                seen.add(expert.pk)
                experts.append(expert)
    return experts


def _pool_form(request, tier, data=None):
    return PoolForm(
        data, candidates=pool_candidates(request.user, tier), employers=employer_choices(request.user, tier),
        home_cities=home_city_choices() if tier == Tier.PROVINCE else None,
    )


def _account_form(request, tier, data=None):
    return ExpertAccountForm(
        data, cities=Organisation.objects.filter(pk__in=cities_managed_by(request.user)).order_by("path"),
        employers=employer_choices(request.user, tier), home_cities=home_city_choices() if tier == Tier.PROVINCE else None,
    )


def _site(request) -> str:
    return request.build_absolute_uri("/")


@login_required
def expert_board(request, tier_slug: str):
    """The pool and the assignments of a tier. A POST adds an existing account to the pool (专家库),
    creates a new expert account ("create_account") or creates several from an Excel sheet
    ("import_sheet"); each form shows its own errors in place."""
    tier = _tier_or_404(request, tier_slug)
    campaign = campaign_or_404()
    posted = request.POST if request.method == "POST" else None
    action = posted.get("action", "add_to_pool") if posted is not None else None
    pool_form = _pool_form(request, tier, posted if action == "add_to_pool" else None)
    account_form = _account_form(request, tier, posted if action == "create_account" else None)
    sheet_form = ExpertSheetForm(posted, request.FILES) if action == "import_sheet" else ExpertSheetForm()
    sheet_report = None
    if pool_form.is_bound and pool_form.is_valid():
        data = pool_form.cleaned_data
        try:
            profile = add_expert_to_pool(campaign=campaign, tier=tier, expert=data["expert"], actor=request.user,
                                         home_city=data.get("home_city"), employer=data["employer"],
                                         expertise=data["expertise"])
        except ReviewRefused as refused:
            pool_form.add_error(None, str(refused))
        else:
            messages.success(request, _("The expert is in the pool and can be assigned."))
            tell_recusal(request, profile.recusal)
            return redirect("review:expert_board", tier_slug=tier_slug)
    if account_form.is_bound and account_form.is_valid():
        data = account_form.cleaned_data
        try:
            expert = create_expert_account(
                campaign=campaign, tier=tier, actor=request.user, full_name=data["full_name"], phone=data["phone"],
                email=data["email"], city=data.get("city"), home_city=data.get("home_city"), employer=data["employer"],
                expertise=data["expertise"], base_url=_site(request),
            )
        except ReviewRefused as refused:
            account_form.add_error(None, str(refused))
        else:
            messages.success(request, _("Expert account %(username)s created and added to the pool; a mail with a link to set "
                                        "the password went to %(email)s.") % {"username": expert.username, "email": expert.email})
            return redirect("review:expert_board", tier_slug=tier_slug)
    if sheet_form.is_bound and sheet_form.is_valid():
        sheet_report = import_expert_accounts(campaign=campaign, tier=tier, actor=request.user,
                                              workbook_file=sheet_form.cleaned_data["workbook"], base_url=_site(request))
        if sheet_report.ok:
            messages.success(request, _("%(count)d expert accounts created and added to the pool; each got a mail to set a password.")
                             % {"count": len(sheet_report.created)})
            return redirect("review:expert_board", tier_slug=tier_slug)
    cases = list(board_cases(request.user, campaign, tier))
    pool = _pool(request, campaign, tier)
    rows = assignment_board(cases, tier, pool)
    loads = expert_loads(campaign, tier, pool)
    return render(request, "review/expert_board.html", {
        "campaign": campaign, "tier": tier, "tier_slug": tier_slug, "rows": rows,
        "pool": [(expert_label(expert), profile_of(expert), loads[expert.pk]) for expert in pool],
        "reason_form": ReasonForm(), "pool_form": pool_form, "account_form": account_form,
        "sheet_form": sheet_form, "sheet_report": sheet_report,
        "criteria_missing": not criteria_of(campaign),
    })


@login_required
def expert_sheet(request, tier_slug: str):
    """The Excel template for creating expert accounts."""
    _tier_or_404(request, tier_slug)
    response = HttpResponse(expert_sheet_template(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, "专家账号导入模板.xlsx")
    return response


@login_required
@require_POST
def expert_board_auto(request, tier_slug: str):
    tier = _tier_or_404(request, tier_slug)
    campaign = campaign_or_404()
    cases = list(board_cases(request.user, campaign, tier))
    reports = []  # the report, kept for the second message (perform only says whether it ran)

    def assign():
        reports.append(assign_experts_automatically(campaign=campaign, tier=tier, actor=request.user, cases=cases))
        return reports[0]

    if perform(request, assign, success=lambda report: _("%(count)d assignment(s) made.") % {"count": report.created}):
        if reports[0].short:
            messages.error(request, _("%(count)d case(s) could not get enough experts without a conflict; add experts to the pool.")
                           % {"count": len(reports[0].short)})
    return redirect("review:expert_board", tier_slug=tier_slug)


def _board_case_or_404(request, campaign, tier, pk):
    case = board_cases(request.user, campaign, tier).filter(pk=pk).first()
    if case is None or not may_manage_experts(request.user, case, tier):
        raise Http404
    return case


@login_required
@require_POST
def expert_board_assign(request, tier_slug: str, pk: int):
    tier = _tier_or_404(request, tier_slug)
    campaign = campaign_or_404()
    case = _board_case_or_404(request, campaign, tier, pk)
    form = AssignForm(request.POST, pool=_pool(request, campaign, tier))
    if not form.is_valid():
        messages.error(request, _("Choose an expert of the pool."))
    else:
        perform(request, lambda: assign_expert(case=case, expert=form.cleaned_data["expert"], tier=tier, actor=request.user),
                success=_("Expert assigned."))
    return redirect("review:expert_board", tier_slug=tier_slug)


@login_required
@require_POST
def expert_board_unassign(request, tier_slug: str, assignment_id: int):
    tier = _tier_or_404(request, tier_slug)
    campaign = campaign_or_404()
    assignment = get_object_or_404(ExpertAssignment.objects.active(), pk=assignment_id, tier=tier)
    _board_case_or_404(request, campaign, tier, assignment.case_id)
    perform(request, lambda: unassign_expert(assignment=assignment, actor=request.user, reason=request.POST.get("reason", "")),
            success=_("Assignment removed."))
    return redirect("review:expert_board", tier_slug=tier_slug)


@login_required
@require_POST
def expert_board_dismiss(request, tier_slug: str, pk: int, expert_id: int, source: str):
    tier = _tier_or_404(request, tier_slug)
    campaign = campaign_or_404()
    case = _board_case_or_404(request, campaign, tier, pk)
    expert = get_object_or_404(get_user_model(), pk=expert_id)
    if source not in ConflictSource.values:
        raise Http404
    perform(request, lambda: dismiss_conflict(case=case, expert=expert, source=source, tier=tier, actor=request.user,
                                              reason=request.POST.get("reason", "")),
            success=_("Conflict dismissed; the expert may now be assigned to this case."))
    return redirect("review:expert_board", tier_slug=tier_slug)


def _fixed(value: float, places: str) -> str:
    """`value` rounded half up to `places` ("0.01"), as the floatformat filter shows it here (no
    thousands in a score) at a fraction of its cost."""
    return str(Decimal(repr(value)).quantize(Decimal(places), ROUND_HALF_UP))


def _score_table(rows) -> list[dict]:
    """The scores page's rows as values formatted once, here: number formats, names and plural labels
    per cell were most of the page's rendering time (bench/README-pages.md). Same text as before."""
    table = []
    for row in rows:
        aggregate, missing = row.aggregate, row.experts_missing
        table.append({
            "title": row.case.title, "scored": f"{row.scored} / {len(row.assignments)}",
            "missing": ngettext("%(counter)s expert missing", "%(counter)s experts missing", missing) % {"counter": missing}
            if missing else "",
            "mean": _fixed(aggregate.raw_mean, "0.01") if aggregate and aggregate.raw_mean is not None else "—",
            "spread": _fixed(aggregate.spread, "0.1") if aggregate and aggregate.spread is not None else "",
            "disagreement": bool(aggregate and aggregate.disagreement),
            # Totals are Decimals with two places (0–100): their text is what the template showed.
            "scores": [(str(a.score.total), a.expert.get_full_name() or a.expert.username, a.score.comment)
                       for a in row.assignments if has_score(a)],
        })
    return table


@login_required
def score_overview(request, tier_slug: str):
    tier = _tier_or_404(request, tier_slug)
    campaign = campaign_or_404()
    rows = scoring_overview(request.user, campaign, tier)
    return render(request, "review/expert_scores.html", {
        "campaign": campaign, "tier": tier, "tier_slug": tier_slug, "rows": _score_table(rows),
        "short_rows": [row for row in rows if row.experts_missing],
        "normalised": campaign.normalise_expert_scores,
    })
