"""Provincial staff: ranking and selection, overrides, 公示, certificates. Public: the 公示 list
and certificate verification."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.models import Case
from cases.queries import current_campaign
from cases.rules import campaign_is_open, can_administer
from portal.actions import perform
from review.models import Certificate, OverrideField, SelectionState
from review.selection.certificates import (
    certificate_filename,
    certificates_zip,
    find_certificate,
    issue_certificates,
    render_certificate,
)
from review.selection.queries import certificates_of, public_notice, ranking, selection_of
from review.selection.readiness import selection_problems
from review.selection.rules import may_download_certificate
from review.selection.services import (
    compute_selection,
    finalise_selection,
    override_selection,
    decision_problems,
    presenter_park_share,
    publish_selection,
    withdraw_publication,
)


def _staff_campaign(request):
    if not can_administer(request.user):
        raise Http404
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    return campaign


def _publish_hold(readiness, decision_rules_broken, entries) -> str | None:
    """Why publish_selection would refuse now, in a sentence for the disabled button, or None."""
    if any(problem.blocks_publication for problem in readiness):
        return _("Cannot be published yet: first solve the problems marked in red under “Before deciding the winners”.")
    if decision_rules_broken:
        return _("Cannot be published yet: the winners or presenters break the rules shown above; change them with an override.")
    if not any(entry.is_winner for entry in entries):
        return _("Compute the ranking first: there is no winner to publish.")
    return None


@login_required
def selection_board(request):
    campaign = _staff_campaign(request)
    selection = selection_of(campaign)
    now = timezone.now()
    entries = ranking(selection)
    problems = decision_problems(selection) if selection else []
    # Cities still missing, ballots in quarantine, a running vote, missing scores: shown before anyone decides.
    readiness = selection_problems(campaign, selection=selection, now=now)
    return render(request, "review/selection_board.html", {
        "campaign": campaign, "selection": selection, "entries": entries, "problems": problems,
        "readiness": readiness,
        "winner_total": sum(1 for entry in entries if entry.is_winner),
        "presenter_total": sum(1 for entry in entries if entry.is_presenter),
        # 附件2's park share at the province: information, or a rule when the campaign says so.
        "park_share": presenter_park_share(selection) if selection and entries else None,
        # The buttons publish_selection and finalise_selection would refuse are shown disabled, with why.
        "publish_hold": _publish_hold(readiness, problems, entries),
        "objection_running": bool(selection and selection.state == SelectionState.PUBLISHED
                                  and selection.objection_ends_at and now < selection.objection_ends_at),
        "campaign_open": campaign_is_open(campaign),
        "overrides": list(selection.overrides.select_related("case", "actor")) if selection else [],
        "now": now,
    })


def _run(request, action, success: str):
    perform(request, action, success=success)
    return redirect("review:selection_board")


@login_required
@require_POST
def selection_compute(request):
    campaign = _staff_campaign(request)
    return _run(request, lambda: compute_selection(campaign=campaign, actor=request.user),
                _("The ranking was computed."))


@login_required
@require_POST
def selection_override(request, pk: int):
    campaign = _staff_campaign(request)
    case = get_object_or_404(Case, pk=pk, campaign=campaign)
    # Each row's buttons post the one change they name ("winner:0" = no longer a winner).
    field, _sep, raw = request.POST.get("change", "").partition(":")
    if not field:
        field, raw = request.POST.get("field"), request.POST.get("value")
    if field not in OverrideField.values or raw not in ("0", "1"):
        raise Http404
    value = raw == "1"
    return _run(request, lambda: override_selection(campaign=campaign, case=case, field=field, value=value,
                                                    reason=request.POST.get("reason", ""), actor=request.user),
                _("The decision was changed and its reason recorded."))


@login_required
@require_POST
def selection_publish(request):
    campaign = _staff_campaign(request)
    return _run(request, lambda: publish_selection(campaign=campaign, actor=request.user),
                _("The public notice is published; the objection period has started."))


@login_required
@require_POST
def selection_withdraw(request):
    campaign = _staff_campaign(request)
    return _run(request, lambda: withdraw_publication(campaign=campaign, actor=request.user,
                                                      reason=request.POST.get("reason", "")),
                _("The public notice was withdrawn; the selection is a draft again."))


@login_required
@require_POST
def selection_finalise(request):
    campaign = _staff_campaign(request)
    return _run(request, lambda: finalise_selection(campaign=campaign, actor=request.user),
                _("The result is final; winners have their certificates."))


@require_safe
def publicity(request):
    """公示: public, no sign-in. Empty until the selection is published."""
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    selection, rows = public_notice(campaign)
    return render(request, "review/selection_publicity.html", {"campaign": campaign, "selection": selection, "rows": rows})


@login_required
def certificate_list(request):
    campaign = _staff_campaign(request)
    return render(request, "review/certificate_list.html", {
        "campaign": campaign, "certificates": certificates_of(campaign), "campaign_open": campaign_is_open(campaign),
    })


@login_required
@require_POST
def certificate_issue(request):
    campaign = _staff_campaign(request)
    perform(request, lambda: issue_certificates(campaign=campaign, actor=request.user),
            success=lambda issued: _("%(count)d certificate(s) issued.") % {"count": len(issued)})
    return redirect("review:certificate_list")


def _pdf_response(data: bytes, filename: str, content_type: str = "application/pdf") -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_pdf(request, number: str):
    """One certificate's PDF, for those may_download_certificate allows (provincial staff; the
    winner's enterprise and the staff above it, linked from the case page); a 404 for anyone else."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("campaign", "case__enterprise__association"), number=number)
    if not may_download_certificate(request.user, certificate):
        raise Http404
    return _pdf_response(render_certificate(certificate), certificate_filename(certificate))


@login_required
def certificate_zip(request):
    campaign = _staff_campaign(request)
    return _pdf_response(certificates_zip(campaign), f"{campaign.title}+优秀案例证书.zip", "application/zip")


@require_safe
def certificate_verify(request):
    """Public: anyone checks a certificate by its number."""
    number = request.GET.get("number", "")
    certificate = find_certificate(number) if number else None
    return render(request, "review/certificate_verify.html", {
        "number": number.strip(), "certificate": certificate, "searched": bool(number.strip()),
    })
