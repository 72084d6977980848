"""Documents read in the browser, through the same permission check as every download."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from cases.enums import AuditAction, ValidationState
from cases.models import Upload
from cases.previews import preview_kind, preview_progress, request_preview
from cases.queries import cases_visible_to
from cases.rules import PERSONAL_DATA_SLOTS, may_download_upload
from cases.services import record_download

CONTENT_TYPES = {"pdf": "application/pdf", "image": "image/jpeg"}


def _inline(stored_file, content_type: str, filename: str) -> FileResponse:
    response = FileResponse(stored_file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(False, filename)
    # The bytes came from an enterprise: let the browser show them, never run anything from them.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _previewable_upload_or_404(request, upload_id: int) -> Upload:
    upload = get_object_or_404(Upload.objects.filter(case__in=cases_visible_to(request.user)).select_related("case__enterprise__association"), pk=upload_id)
    if not may_download_upload(request.user, upload):
        raise Http404
    return upload


@login_required
def upload_preview(request, upload_id: int):
    upload = _previewable_upload_or_404(request, upload_id)
    if upload.slot in PERSONAL_DATA_SLOTS:  # reading the stamped form is reading its phone numbers
        record_download(actor=request.user, case=upload.case, action=AuditAction.PERSONAL_DATA_DOWNLOADED,
                        summary=_("Read in the browser: %(name)s") % {"name": upload.original_name},
                        details={"upload": upload.pk, "preview": True})
    kind = preview_kind(upload)
    if kind in CONTENT_TYPES:
        return _inline(upload.file, CONTENT_TYPES[kind], upload.original_name)
    if kind != "word":
        raise Http404
    if upload.preview_state == ValidationState.DONE and upload.preview:
        return _inline(upload.preview, "application/pdf", f"{upload.original_name}.pdf")
    # Normally made by a worker right after the check (cases.previews); files checked before that
    # was so are queued on their first reading.
    request_preview(upload)
    upload.refresh_from_db()
    return render(request, "review/upload_preview.html", {"upload": upload, "progress": preview_progress(upload)})


@login_required
def upload_preview_status(request, upload_id: int):
    """Where the preview stands, polled by static/js/preview-wait.js (reads only)."""
    upload = _previewable_upload_or_404(request, upload_id)
    if preview_kind(upload) != "word":
        raise Http404
    return JsonResponse(preview_progress(upload))
