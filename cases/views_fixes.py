"""一键修正格式 pages (issue 18): thin views over cases.narrative_fixes. Every page looks the case up
through cases_visible_to (404 otherwise); files are served through these views, never a media URL."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.enums import Tier, ValidationState
from cases.models import NarrativeFix
from cases.narrative_fixes import (
    FixRefused,
    accept_narrative_fix,
    discard_narrative_fix,
    may_request_fix,
    request_narrative_fix,
)
from cases.queries import cases_visible_to, is_editable
from cases.rules import may_act_for_tier
from cases.services import CaseNotEditable
from cases.uploads import UploadRejected

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REFUSALS = (FixRefused, CaseNotEditable, UploadRejected)


def _case(request, pk: int):
    return get_object_or_404(cases_visible_to(request.user).select_related("campaign"), pk=pk)


def _fix(case, fix_id: int) -> NarrativeFix:
    return get_object_or_404(NarrativeFix.objects.select_related("source"), pk=fix_id, case=case)


@login_required
@require_POST
def fix_request(request, pk: int):
    case = _case(request, pk)
    try:
        fix = request_narrative_fix(case=case, actor=request.user)
    except FixRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(request.POST.get("back") or reverse("cases:case_detail", args=[case.pk]))
    return redirect("cases:fix_detail", pk=case.pk, fix_id=fix.pk)


@login_required
def fix_detail(request, pk: int, fix_id: int):
    case = _case(request, pk)
    fix = _fix(case, fix_id)
    own = may_act_for_tier(request.user, case, Tier.ENTERPRISE)
    waiting = fix.state in (ValidationState.PENDING, ValidationState.RUNNING)
    return render(request, "cases/narrative_fix.html", {
        "case": case, "fix": fix, "waiting": waiting,
        "may_accept": own and fix.is_open and fix.state == ValidationState.DONE and is_editable(case, timezone.now()),
        "may_discard": fix.is_open and may_request_fix(request.user, case),
        "back_url": reverse("cases:case_files", args=[case.pk]) if own else reverse("review:case_review", args=[case.pk]),
    }, status=202 if waiting else 200)


@login_required
@require_POST
def fix_accept(request, pk: int, fix_id: int):
    case = _case(request, pk)
    fix = _fix(case, fix_id)
    try:
        upload = accept_narrative_fix(fix=fix, actor=request.user)
    except REFUSALS as refusal:
        messages.error(request, str(refusal))
        return redirect("cases:fix_detail", pk=case.pk, fix_id=fix.pk)
    messages.success(request, _("The fixed narrative “%(name)s” is in the slot as a new version; the earlier one is kept. It is being checked again.") % {
        "name": upload.original_name})
    return redirect(f"{reverse('cases:case_files', args=[case.pk])}#slot-narrative")


@login_required
@require_POST
def fix_discard(request, pk: int, fix_id: int):
    case = _case(request, pk)
    fix = _fix(case, fix_id)
    try:
        discard_narrative_fix(fix=fix, actor=request.user)
    except REFUSALS as refusal:
        messages.error(request, str(refusal))
        return redirect("cases:fix_detail", pk=case.pk, fix_id=fix.pk)
    messages.success(request, _("The fix is discarded; the narrative stays as it was."))
    own = may_act_for_tier(request.user, case, Tier.ENTERPRISE)
    return redirect(reverse("cases:case_files", args=[case.pk]) if own else reverse("review:case_review", args=[case.pk]))


@login_required
def fix_download(request, pk: int, fix_id: int):
    case = _case(request, pk)
    fix = _fix(case, fix_id)
    if not fix.file:
        raise Http404
    name = f"{fix.source.original_name.rsplit('.', 1)[0]}（格式已修正）.docx"
    response = FileResponse(fix.file.open("rb"), as_attachment=True, content_type=DOCX, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def fix_preview(request, pk: int, fix_id: int, which: str):
    case = _case(request, pk)
    fix = _fix(case, fix_id)
    field = {"before": fix.preview_before, "after": fix.preview_after}.get(which)
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
