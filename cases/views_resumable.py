"""The winners' materials page (附件1 七、八) and the resumable upload protocol (cases/resumable.py).

Every endpoint looks the case up through the enterprise's own cases (`_own_case_or_404`) and the
session through that case: a session of another enterprise is a 404, like its case.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.deadlines import uploaded_late, winner_materials_window
from cases.enums import CaseStatus, Tier
from cases.guidance import case_guidance
from cases.models import Case, ResumableUpload
from cases.queries import case_uploads
from cases.resumable import CHUNK_SIZE, ChunkRefused, finish_resumable_upload, receive_chunk, start_resumable_upload
from cases.rules import may_act_for_tier
from cases.services import CaseNotEditable
from cases.slots import WINNER_SLOTS
from cases.uploads import UploadRejected
from cases.validation.units import describe_bytes
from cases.views import _own_case_or_404, _slot_context, _visible_case_or_404


def winner_slots_editable(user, case: Case) -> bool:
    """The enterprise of a winning case may send its talk text, slides and video while the campaign is open
    (the case's guidance says so, and the page offers what it says)."""
    return case_guidance(case, timezone.now()).may_add_winner_materials and may_act_for_tier(user, case, Tier.ENTERPRISE)


def _winner_slot_context(request, case: Case, slot: str, current=None, earlier=None, window=None) -> dict:
    if current is None:
        current, earlier = case_uploads(case)
    window = window or winner_materials_window(case)
    context = _slot_context(case, slot, current, earlier, winner_slots_editable(request.user, case))
    context["resumable"] = True
    context["chunk_size"] = CHUNK_SIZE
    # Files sent after the winners' deadline are kept and marked (extensions counted).
    context["late_ids"] = {upload.pk for upload in context["files"] if uploaded_late(upload, window)}
    return context


def _winner_case_or_404(request, pk: int) -> Case:
    case = _visible_case_or_404(request, pk)
    if case.status != CaseStatus.WINNER:
        raise Http404
    return case


@login_required
def winner_files(request, pk: int):
    """宣讲文字材料, 宣讲PPT and the video of a winning case: the enterprise uploads, reviewers read."""
    case = _winner_case_or_404(request, pk)
    current, earlier = case_uploads(case)
    window = winner_materials_window(case)
    slots = [_winner_slot_context(request, case, slot, current, earlier, window) for slot in WINNER_SLOTS]
    return render(request, "cases/upload_winner.html", {
        "case": case, "slots": slots, "editable": winner_slots_editable(request.user, case), "window": window,
    })


@login_required
def winner_slot_status(request, pk: int, slot: str):
    if slot not in WINNER_SLOTS:
        raise Http404
    case = _winner_case_or_404(request, pk)
    return render(request, "cases/upload_slot.html", _winner_slot_context(request, case, slot))


def _session_json(case: Case, session: ResumableUpload) -> dict:
    url = reverse("cases:resumable_session", args=[case.pk, session.pk])
    return {
        "id": str(session.pk), "offset": session.received, "size": session.size, "state": session.state,
        "chunk_size": CHUNK_SIZE, "url": url, "finish_url": reverse("cases:resumable_finish", args=[case.pk, session.pk]),
    }


def _refused(refusal: ChunkRefused) -> JsonResponse:
    body = {"ok": False, "message": str(refusal)}
    response = JsonResponse(body | ({"offset": refusal.offset} if refusal.offset is not None else {}), status=refusal.status)
    if refusal.offset is not None:
        response["Upload-Offset"] = str(refusal.offset)
    return response


@login_required
@require_POST
def resumable_start(request, pk: int, slot: str):
    """POST name, size → the session (201), or its unfinished twin to resume (200)."""
    if slot not in WINNER_SLOTS:
        raise Http404
    case = _own_case_or_404(request, pk)
    try:
        size = int(request.POST.get("size", ""))
    except ValueError:
        return JsonResponse({"ok": False, "message": _("The file size is missing; reload the page and try again.")}, status=400)
    try:
        session = start_resumable_upload(case=case, actor=request.user, slot=slot, name=request.POST.get("name", ""),
                                         size=size, now=timezone.now())
    except (UploadRejected, CaseNotEditable) as refusal:
        return JsonResponse({"ok": False, "message": str(refusal)}, status=400)
    fresh = session.received == 0 and session.created_at == session.updated_at
    return JsonResponse({"ok": True} | _session_json(case, session), status=201 if fresh else 200)


def _content_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "HEAD", "PUT"])
def resumable_session(request, pk: int, session_id):
    """GET/HEAD: how far the server got (`Upload-Offset`). PUT: one chunk (`Upload-Offset`,
    `Upload-Chunk-SHA256`, the raw bytes as the body, streamed from the request)."""
    case = _own_case_or_404(request, pk)
    session = get_object_or_404(ResumableUpload, pk=session_id, case=case)
    if request.method == "PUT":
        try:
            offset = int(request.headers.get("Upload-Offset", ""))
        except ValueError:
            return _refused(ChunkRefused(_("The chunk arrived without its position; reload the page and resume."), offset=session.received))
        try:
            session = receive_chunk(session=session, actor=request.user, offset=offset, length=_content_length(request),
                                    stream=request, chunk_sha256=request.headers.get("Upload-Chunk-SHA256", ""),
                                    now=timezone.now())
        except ChunkRefused as refusal:
            return _refused(refusal)
    response = JsonResponse({"ok": True} | _session_json(case, session))
    response["Upload-Offset"] = str(session.received)
    response["Upload-Length"] = str(session.size)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def resumable_finish(request, pk: int, session_id):
    """POST sha256 (of the whole file) → the stored version, and the slot's new HTML."""
    case = _own_case_or_404(request, pk)
    session = get_object_or_404(ResumableUpload, pk=session_id, case=case)
    try:
        upload = finish_resumable_upload(session=session, actor=request.user, sha256=request.POST.get("sha256", ""),
                                         now=timezone.now())
    except ChunkRefused as refusal:
        return _refused(refusal)
    except (UploadRejected, CaseNotEditable) as refusal:
        return JsonResponse({"ok": False, "message": str(refusal)}, status=400)
    case.refresh_from_db()
    html = render_to_string("cases/upload_slot.html", _winner_slot_context(request, case, session.slot), request)
    message = _("“%(name)s” is uploaded (%(size)s). The check runs now; its result appears below.") % {
        "name": upload.original_name, "size": describe_bytes(upload.size)}
    return JsonResponse({"ok": True, "message": message, "html": html, "upload": upload.pk, "sha256": upload.sha256})
