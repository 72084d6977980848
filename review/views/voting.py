"""网络投票: the public gallery, phone verification, the ballot and its receipt (no sign-in);
the provincial staff's vote control, quarantine review and per-case audit report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from cases.enums import CaseType
from cases.rules import campaign_is_open, can_administer, ensure_campaign_open, mask_phone
from portal import ratelimit
from portal.actions import perform
from portal.ratelimit import check, miss_rate, over_limit
from portal.public_cache import public_page
from portal.queueing import enqueue
from review.views.access import campaign_or_404
from review.models import Ballot, SuspicionFlag
from review.selection.readiness import unreported_cities
from review.tasks import quarantine_suspicious_ballots_task
from review.voting.export import vote_report_xlsx
from review.voting.forms import CodeForm, DecisionForm, GroupDecisionForm, OpenVoteForm, PhoneForm
from review.voting.fraud import RULE_LABELS, case_vote_report
from review.voting import voter_pass
from review.voting.gallery import (
    SEARCH_MAX_CHARS,
    filter_candidates,
    gallery_candidates,
    picked_ids,
    regions_of,
    seconds_until_vote_changes,
)
from review.voting.limits import DEVICE_COOKIE, DEVICE_COOKIE_AGE, ClientInfo, device_token, new_device_cookie
from review.voting.queries import (
    RECEIPT_MAX_LENGTH,
    ballot_totals,
    normalise_receipt,
    public_counts,
    public_photo,
    public_under_review,
    quarantine_groups,
    quarantined_ballots,
    receipt_status,
)
from review.voting.services import (
    AlreadyVoted,
    VoteRefused,
    cast_ballot,
    close_vote,
    decide_quarantined,
    decide_quarantined_group,
    normalise_phone,
    open_vote,
    opening_refusal,
    request_code,
    verify_voter_code,
    vote_has_closed,
    vote_is_open,
)

# The voter's progress (code sent, verified, the ticks of a refused ballot) is a signed cookie,
# never the database session: review/voting/voter_pass.py says why that is safe.


def _with_device_cookie(request, response):
    """Every visitor of the vote carries a random signed device cookie (its hash feeds the limits)."""
    if device_token(request) is None:
        response.set_cookie(DEVICE_COOKIE, new_device_cookie(), max_age=DEVICE_COOKIE_AGE, httponly=True,
                            samesite="Lax", secure=request.is_secure())
    return response


@public_page  # the same page for every visitor without a session: served from the cache
@never_cache
@require_safe
def vote_gallery(request):
    """The candidates, searchable by title or unit (q) and filtered by city and case type; a
    verified voter ticks and submits here, anyone else picks (kept in the browser, or sent to
    查看已选 by GET without JavaScript). No device cookie here, so the page can be cached: the phone
    page sets it before any code is asked for."""
    campaign = campaign_or_404()
    now = timezone.now()
    is_open, closed = vote_is_open(campaign, now), vote_has_closed(campaign, now)
    everyone = gallery_candidates(campaign) if (is_open or closed) else []
    query, region, case_type = request.GET.get("q", "")[:SEARCH_MAX_CHARS], request.GET.get("city", ""), request.GET.get("type", "")
    candidates = filter_candidates(everyone, query=query, region=region, case_type=case_type)
    counts = public_counts(campaign) if closed else {}
    under_review = public_under_review(campaign) if closed else {}
    for candidate in candidates:
        candidate.votes = counts.get(candidate.pk)
        candidate.under_review = under_review.get(candidate.pk, 0)
    if closed:
        candidates.sort(key=lambda c: (-(c.votes or 0), c.region, c.title, c.pk))
    state = voter_pass.read(request)
    verified = bool(state.voter) and is_open
    picked = set(state.picks) if verified else set()
    picked |= set(picked_ids(request.GET.getlist("pick")))  # "pick this case" from a candidate page without JavaScript
    response = render(request, "review/vote_gallery.html", {
        "campaign": campaign, "open": is_open, "closed": closed, "candidates": candidates, "total": len(everyone),
        "verified": verified, "picked": picked, "query": query, "region": region, "case_type": case_type,
        "regions": regions_of(everyone), "case_types": CaseType.choices, "searched": bool(query or region or case_type),
        "masked": state.masked,
    })
    if state.picks:  # shown once: a reload starts from the voter's own choice again
        voter_pass.store(request, response, voter_pass.with_picks(state, []))
    expires = seconds_until_vote_changes(campaign, now)
    if expires is not None:
        response.public_cache_seconds = expires
    return response


def vote_photo(request, upload_id: int):
    """Public: a candidate's photo by its upload id. Ids are guessable, so an address whose ids
    keep finding nothing is refused for a while (portal.ratelimit MISS_LIMITS); the photos a
    gallery shows are never counted."""
    campaign = campaign_or_404()
    if not (campaign.vote_opens_at and timezone.now() >= campaign.vote_opens_at):
        raise Http404
    refused = over_limit(request, "review:vote_photo", rate=miss_rate("review:vote_photo"))
    if refused is not None:
        return refused
    data = public_photo(campaign, upload_id)
    if data is None:
        refused = check(request, "review:vote_photo", rate=miss_rate("review:vote_photo"))
        if refused is not None:
            return refused
        raise Http404
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@never_cache
def vote_phone(request):
    campaign = campaign_or_404()
    if not vote_is_open(campaign, timezone.now()):
        return redirect("review:vote_gallery")
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone = normalise_phone(form.cleaned_data["phone"])
            voter = request_code(campaign=campaign, phone=phone, client=ClientInfo.from_request(request))
        except VoteRefused as refused:
            form.add_error("phone", str(refused))
        else:
            response = redirect("review:vote_verify")
            voter_pass.store(request, response, voter_pass.pending(voter=voter, masked=mask_phone(phone),
                                                                picks=voter_pass.read(request).picks))
            return response
    return _with_device_cookie(request, render(request, "review/vote_phone.html", {"campaign": campaign, "form": form}))


@never_cache
def vote_verify(request):
    campaign = campaign_or_404()
    state = voter_pass.read(request)
    if not state.pending or not vote_is_open(campaign, timezone.now()):
        return redirect("review:vote_phone")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            voter = verify_voter_code(campaign=campaign, voter=state.pending, code=form.cleaned_data["code"])
        except VoteRefused as refused:
            form.add_error("code", str(refused))
        else:
            response = redirect("review:vote_gallery")
            voter_pass.store(request, response, voter_pass.verified(state, voter=voter))
            return response
    return render(request, "review/vote_verify.html", {"campaign": campaign, "form": form, "masked": state.masked})


# A refused ballot's ticks go back in the cookie; a tampered form cannot make it grow without bound.
MAX_KEPT_PICKS = 200


@require_POST
def vote_ballot(request):
    campaign = campaign_or_404()
    state = voter_pass.read(request)
    if not state.voter:
        messages.error(request, _("Verify your mobile number first."))
        return redirect("review:vote_phone")
    try:
        case_ids = [int(value) for value in request.POST.getlist("case")]
    except ValueError:
        case_ids = []
    try:
        ballot = cast_ballot(campaign=campaign, voter=state.voter, case_ids=case_ids, client=ClientInfo.from_request(request))
    except AlreadyVoted as refused:
        messages.error(request, str(refused))
        response = redirect("review:vote_gallery")
        voter_pass.store(request, response, voter_pass.EMPTY)
        return response
    except VoteRefused as refused:
        messages.error(request, str(refused))
        response = redirect("review:vote_gallery")
        voter_pass.store(request, response, voter_pass.with_picks(state, case_ids[:MAX_KEPT_PICKS]))
        return response
    response = redirect("review:vote_receipt", receipt=ballot.receipt)
    voter_pass.store(request, response, voter_pass.EMPTY)
    return response


@never_cache
def vote_receipt(request, receipt: str):
    ballot = get_object_or_404(Ballot.objects.select_related("campaign"), receipt=receipt)
    titles = list(ballot.choices.select_related("case").order_by("case__title").values_list("case__title", flat=True))
    return render(request, "review/vote_receipt.html", {
        "ballot": ballot, "titles": titles, "status": receipt_status(ballot.receipt)})


# Lookups per client address: plenty for a voter mistyping a few times, far too few to walk the
# receipt space (12 characters of 31) even without this limit.
RECEIPT_LOOKUP_RATE = "30/600"


@never_cache
@require_safe  # a look-up: reading only, a POST is 405 like every public page
def vote_receipt_lookup(request):
    """Public (回执查询): a receipt number → counted / under review / excluded, nothing personal.
    Rate-limited per client address; a plain visit without a number is not counted."""
    raw = request.GET.get("receipt", "")
    searched = bool(raw.strip())
    if searched:
        refused = ratelimit.check(request, "vote-receipt-lookup", rate=RECEIPT_LOOKUP_RATE, key="ip")
        if refused is not None:
            return refused
    return render(request, "review/vote_receipt_lookup.html", {
        "receipt": normalise_receipt(raw)[:RECEIPT_MAX_LENGTH], "searched": searched,
        "status": receipt_status(raw) if searched else None, "max_length": RECEIPT_MAX_LENGTH,
    })


# --- provincial staff ----------------------------------------------------------------------------

def _staff_campaign(request):
    if not can_administer(request.user):
        raise Http404
    return campaign_or_404()


def _vote_control_page(request, campaign, form: OpenVoteForm):
    now = timezone.now()
    is_open, closed = vote_is_open(campaign, now), vote_has_closed(campaign, now)
    # Why the vote cannot be opened (again): the 公示 is out. Shown instead of the form.
    refusal = None if is_open else opening_refusal(campaign)
    return render(request, "review/vote_control.html", {
        "campaign": campaign, "open": is_open, "closed": closed,
        "campaign_open": campaign_is_open(campaign), "totals": ballot_totals(campaign), "form": form,
        "opening_refusal": refusal,
        # Opening is allowed while cities are missing, but staff should know whose cases are not on the ballot.
        "unreported_cities": unreported_cities(campaign, now) if not (is_open or refusal) else [],
        # Per-case counts stay hidden from everybody until the vote closes.
        "report": case_vote_report(campaign) if closed else None,
    })


@login_required
def vote_control(request):
    campaign = _staff_campaign(request)
    return _vote_control_page(request, campaign, OpenVoteForm())


@login_required
@require_POST
def vote_open(request):
    """A refused opening shows the page again with the closing time as typed, and the reason."""
    campaign = _staff_campaign(request)
    form = OpenVoteForm(request.POST)
    if form.is_valid():
        try:
            open_vote(campaign=campaign, actor=request.user, closes_at=form.cleaned_data["closes_at"])
        except VoteRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The public vote is open."))
            return redirect("review:vote_control")
    return _vote_control_page(request, campaign, form)


@login_required
@require_POST
def vote_close(request):
    campaign = _staff_campaign(request)
    perform(request, lambda: close_vote(campaign=campaign, actor=request.user), success=_("The public vote is closed."))
    return redirect("review:vote_control")


@login_required
def vote_quarantine(request):
    campaign = _staff_campaign(request)
    return render(request, "review/vote_quarantine.html", {
        "campaign": campaign, "ballots": quarantined_ballots(campaign), "labels": RULE_LABELS,
        "groups": quarantine_groups(campaign),
        "totals": ballot_totals(campaign), "form": DecisionForm(), "campaign_open": campaign_is_open(campaign),
    })


@login_required
@require_POST
def vote_quarantine_run(request):
    campaign = _staff_campaign(request)
    # The job itself does nothing on a closed campaign (it also runs from beat); say so here.
    try:
        ensure_campaign_open(campaign, error=VoteRefused)
    except VoteRefused as refused:
        messages.error(request, str(refused))
        return redirect("review:vote_quarantine")
    # Queued, never waited for: with Redis down the job is recorded and the requeue job sends it.
    enqueue(quarantine_suspicious_ballots_task, campaign.pk)
    messages.success(request, _("The check runs in the background; reload in a minute."))
    return redirect("review:vote_quarantine")


@login_required
@require_POST
def vote_quarantine_decide(request, pk: int):
    campaign = _staff_campaign(request)
    ballot = get_object_or_404(Ballot, pk=pk, campaign=campaign)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose exclude or release and give the reason."))
    else:
        perform(request, lambda: decide_quarantined(ballot=ballot, actor=request.user, action=form.cleaned_data["action"],
                                                    reason=form.cleaned_data["reason"]),
                success=_("Decision recorded."))
    return redirect("review:vote_quarantine")


@login_required
def vote_report(request):
    campaign = _staff_campaign(request)
    return render(request, "review/vote_report.html", {"campaign": campaign, "report": case_vote_report(campaign)})


@login_required
@require_POST
def vote_quarantine_group_decide(request):
    """Exclude or release one suspicious group's quarantined ballots at once, with one reason."""
    campaign = _staff_campaign(request)
    form = GroupDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose exclude or release and give the reason."))
        return redirect("review:vote_quarantine")
    data = form.cleaned_data
    flag = get_object_or_404(SuspicionFlag, pk=data["flag"], ballot__campaign=campaign)
    try:
        result = decide_quarantined_group(campaign=campaign, rule=flag.rule, group=flag.group, actor=request.user,
                                          action=data["action"], reason=data["reason"])
    except VoteRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Decision recorded for %(count)d ballot(s).") % {"count": result["decided"]})
        if result["kept"]:
            messages.warning(request, _("%(count)d ballot(s) of this group stay in quarantine: another group also "
                                        "flagged them; decide them there.") % {"count": result["kept"]})
    return redirect("review:vote_quarantine")


@login_required
def vote_report_export(request):
    """The votes per case and the quarantine report as Excel, for the 公示 file."""
    campaign = _staff_campaign(request)
    response = HttpResponse(vote_report_xlsx(campaign),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, _("%(year)s public vote report.xlsx") % {"year": campaign.year})
    return response
