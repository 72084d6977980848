"""Running the notice's checks on an uploaded file version and storing the findings.

Findings are reused when the same bytes, under the same name, were already checked with the same
rules for a case with the same names (`validation_key`), so a re-upload of an identical file costs
nothing.
"""

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cases.documents.naming import case_region, unit_name
from cases.enums import ValidationState
from cases.models import Case, Upload
from cases.previews import queue_preview_after_check
from cases.renditions import queue_renditions_after_check
from cases.slots import SLOT_RULES
from cases.validation import RULESET_VERSION, validate_file
from cases.validation.limits import ValidationContext, campaign_limits
from cases.validation.rules import ADVERTISING

COPY_CHUNK = 1024 * 1024


def validation_context_for(upload: Upload) -> ValidationContext:
    return case_validation_context(upload.case)


def case_validation_context(case: Case) -> ValidationContext:
    """The case's names the rules read (file-name patterns, the narrative's subtitle) and its
    campaign's limits."""
    return ValidationContext(unit_name=unit_name(case), case_name=case.title, region_name=case_region(case),
                             limits=campaign_limits(case.campaign))


def uploads_to_recheck(case_id: int) -> list[int]:
    """The case's current files whose findings no longer fit the case, marked as waiting for a
    check again; returns their ids, for the caller to queue.

    A finished check whose key (cases.checks.validation_key_for) differs from the key the file
    has now — the case was renamed, say, and a photo named after the old name must lose its
    pass (or a warning its reason) — goes back to PENDING, so pages show it as being checked and
    submission waits for it. A check running now may have read the old names, so it is queued
    again too (check_upload does nothing when its key is still current). The marking is
    conditional on the row being unchanged since it was read, so a check finishing meanwhile
    is not overwritten."""
    case = Case.objects.select_related("enterprise__association__parent__parent", "campaign").get(pk=case_id)
    context = case_validation_context(case)
    queued = []
    for upload in Upload.objects.filter(case_id=case_id, superseded_at__isnull=True).order_by("pk"):
        upload.case = case
        if upload.validation_state == ValidationState.RUNNING:
            queued.append(upload.pk)
        elif upload.validation_state == ValidationState.DONE and upload.validation_key != validation_key_for(upload, context):
            marked = Upload.objects.filter(
                pk=upload.pk, validation_state=ValidationState.DONE, validation_key=upload.validation_key,
            ).update(validation_state=ValidationState.PENDING)
            if marked:
                queued.append(upload.pk)
    return queued


def validation_key_for(upload: Upload, context: ValidationContext) -> str:
    """Everything the findings of `upload` depend on; uploads with equal keys get equal findings.

    That is the file's bytes, the rules applied (kind, rule-set version) and every other input a
    rule reads: the name the user gave the file (photo.name, video.name and package.name judge it,
    and quote it in their message), the unit, case and region names (file-name patterns, the
    subtitle) and the limits. Leaving one out reuses findings about another file: a renamed photo
    kept the warning about its old name.
    """
    kind = SLOT_RULES[upload.slot].kind
    inputs = json.dumps(
        [upload.original_name, context.unit_name, context.case_name, context.region_name, repr(context.limits)],
        ensure_ascii=False,
    )
    digest = hashlib.sha256(inputs.encode()).hexdigest()[:32]
    return f"{upload.sha256}:{kind}:{RULESET_VERSION}:{digest}"


def check_upload(upload_id: int) -> Upload | None:
    """Check one upload and store its findings. Idempotent: a finished check is not redone unless
    its key changed (other rules, or the case was renamed), and a crash leaves the row to be
    checked again."""
    upload = Upload.objects.select_related("case__enterprise__association__parent__parent", "case__campaign").filter(pk=upload_id).first()
    if upload is None:
        return None
    context = validation_context_for(upload)
    key = validation_key_for(upload, context)
    if upload.validation_state == ValidationState.DONE and upload.validation_key == key:
        return upload
    earlier = (
        Upload.objects.filter(validation_key=key, validation_state=ValidationState.DONE).exclude(pk=upload.pk)
        .values_list("findings", flat=True).first()
    )
    if earlier is not None:
        findings = earlier
    else:
        Upload.objects.filter(pk=upload.pk).update(validation_state=ValidationState.RUNNING)
        findings = _run_checks(upload, context)
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(
            validation_state=ValidationState.DONE, validation_key=key, findings=findings, validated_at=timezone.now(),
            error_count=sum(1 for finding in findings if finding["severity"] == "error"),
            warning_count=sum(1 for finding in findings if finding["severity"] == "warning"),
            advertising=any(finding["rule"] == ADVERTISING.code for finding in findings),
        )
        upload.refresh_from_db()
        # Previews are made as soon as the file is known to be openable, so the first reader finds it ready.
        queue_preview_after_check(upload)
        # Likewise the public copies of photos and videos (thumbnails, poster frame) for the vote and showcase.
        queue_renditions_after_check(upload)
    upload.refresh_from_db()
    return upload


def _run_checks(upload: Upload, context: ValidationContext) -> list[dict]:
    """Copy the stored file to a private temporary folder (storage may be remote) and check it there."""
    kind = SLOT_RULES[upload.slot].kind
    folder = Path(tempfile.mkdtemp(prefix="portal-check-"))
    try:
        local = folder / "upload"
        with upload.file.storage.open(upload.file.name, "rb") as source, open(local, "wb") as target:
            shutil.copyfileobj(source, target, COPY_CHUNK)
        findings = validate_file(local, kind, context=context, display_name=upload.original_name)
        return [finding.to_dict() for finding in findings]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
