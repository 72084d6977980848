"""Documents built from a case's uploads: in a worker, stored, served by the web when ready.

The filled 推荐表 carries the uploaded narrative as 附页, so building it parses an upload: that
never happens in a web request (issue 11). A download asks for the document
(`request_filled_form`): when the stored one was built from the case as it is now it is served,
otherwise a worker builds it (`generate_filled_form`, queued at most once a minute per version) and
the page waits ("正在生成…"). The worker opens the narrative only if its check did not find it
unopenable (cases.documents.confined.open_refusal) and then only behind the engine's guard, and
merges it in a child process with a memory limit. A refusal is stored with the document: which
file, what is wrong, how to fix it.

The case's package and the zips of many packages put the stored form in (`stored_filled_form`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cases.documents.confined import local_copy, open_refusal
from cases.documents.recommendation_form import (
    NarrativeNotMergeable,
    build_filled_form,
    enterprise_rows,
    form_title,
)
from cases.enums import GeneratedKind, UploadSlot, ValidationState
from cases.models import Case, GeneratedDocument, Upload
from cases.validation.isolation import private_folder

logger = logging.getLogger(__name__)

# Bump when the layout of the generated form changes: stored forms are then built again.
FILLED_FORM_VERSION = "1"
# A request queues the build at most this often per case version (a lost message is sent again).
REQUEST_AGAIN_AFTER_SECONDS = 60
# A build still "running" after this long died with its worker: the next request starts it again.
RUNNING_TOO_LONG = datetime.timedelta(minutes=10)
FINISHED = (ValidationState.DONE, ValidationState.FAILED)


def current_narrative_upload(case: Case) -> Upload | None:
    return case.uploads.filter(slot=UploadSlot.NARRATIVE, superseded_at__isnull=True).order_by("-uploaded_at", "-pk").first()


def filled_form_key(case: Case, narrative: Upload | None) -> str:
    """Digest of everything the filled form prints: the enterprise's rows, the two 意见, the title,
    and which narrative version it carries."""
    inputs = [
        FILLED_FORM_VERSION, form_title(case.campaign), enterprise_rows(case), case.recommender_opinion,
        case.city_opinion, [narrative.pk, narrative.sha256] if narrative else None,
    ]
    return hashlib.sha256(json.dumps(inputs, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def needs_generated_form(case: Case) -> bool:
    """The package carries a form the portal builds (no Word 推荐表 of the enterprise's own)."""
    return not case.uploads.filter(slot=UploadSlot.FORM_WORD, superseded_at__isnull=True).exists()


def stored_filled_form(case: Case) -> GeneratedDocument | None:
    """The stored filled form if it was built from the case as it is now (done or refused), else None."""
    key = filled_form_key(case, current_narrative_upload(case))
    document = GeneratedDocument.objects.filter(case=case, kind=GeneratedKind.FILLED_FORM).first()
    if document is None or document.key != key or document.state not in FINISHED:
        return None
    return document


def request_filled_form(case: Case) -> GeneratedDocument | None:
    """The filled form of the case as it is now, when built (done, or refused with its problem);
    otherwise None, after queueing its build (once a minute at most: a GET writes nothing, and
    polling pages call this again, so a message lost with the broker is sent again)."""
    document = stored_filled_form(case)
    if document is not None:
        return document
    key = filled_form_key(case, current_narrative_upload(case))
    if cache.add(f"generate:{GeneratedKind.FILLED_FORM}:{case.pk}:{key}", 1, REQUEST_AGAIN_AFTER_SECONDS):
        from cases.tasks import generate_filled_form_task  # tasks import this module
        from portal.queueing import enqueue

        enqueue(generate_filled_form_task, case.pk)
    return stored_filled_form(case)  # built already when tasks run in-process (embedded default)


@dataclass(frozen=True)
class FormsProgress:
    """How many of the forms a zip of many packages needs are built."""

    ready: int
    total: int

    @property
    def done(self) -> bool:
        return self.ready >= self.total


def request_filled_forms(cases) -> FormsProgress:
    """Ask for the filled form of every case whose package needs one; how many are ready."""
    wanted = [case for case in cases if needs_generated_form(case)]
    ready = sum(1 for case in wanted if request_filled_form(case) is not None)
    return FormsProgress(ready=ready, total=len(wanted))


def generate_filled_form(case_id: int) -> str:
    """Build and store the filled form of one case (task body; id in, safe to run twice).

    Steps: lock the case's row of the document; stop if it is built for the current key or being
    built (recently); mark it running; build outside the transaction (cases.documents.confined);
    store the file, or the refusal, only if the key is still the one built."""
    case = Case.objects.select_related("campaign", "enterprise__association__parent__parent").filter(pk=case_id).first()
    if case is None:
        return "skipped"
    narrative = current_narrative_upload(case)
    key = filled_form_key(case, narrative)
    now = timezone.now()
    with transaction.atomic():
        document, _created = GeneratedDocument.objects.select_for_update().get_or_create(
            case=case, kind=GeneratedKind.FILLED_FORM, defaults={"key": key})
        if document.key == key and document.state in FINISHED:
            return document.state
        if document.key == key and document.state == ValidationState.RUNNING and document.started_at and now - document.started_at < RUNNING_TOO_LONG:
            return ValidationState.RUNNING
        earlier_file = document.file.name
        document.key, document.state, document.problem, document.started_at = key, ValidationState.RUNNING, "", now
        document.save(update_fields=["key", "state", "problem", "started_at"])
    try:
        data = _build_filled_form(case, narrative)
    except NarrativeNotMergeable as refusal:
        logger.info("filled form of case %s refused: %s", case.pk, getattr(refusal, "detail", ""))
        if GeneratedDocument.objects.filter(pk=document.pk, key=key).update(
            state=ValidationState.FAILED, problem=str(refusal), file="", finished_at=timezone.now()
        ):
            _delete_stored(earlier_file)
        return ValidationState.FAILED
    stored = GeneratedDocument(pk=document.pk, case=case, kind=document.kind)
    stored.file.save("filled-form.docx", ContentFile(data), save=False)
    updated = GeneratedDocument.objects.filter(pk=document.pk, key=key).update(
        state=ValidationState.DONE, file=stored.file.name, problem="", finished_at=timezone.now())
    if not updated:  # the case changed meanwhile: the newer request builds it again
        stored.file.delete(save=False)
    elif earlier_file != stored.file.name:
        _delete_stored(earlier_file)
    return ValidationState.DONE


def _delete_stored(name: str) -> None:
    """Remove the file of an earlier version of the document (nothing refers to it any more)."""
    if name:
        GeneratedDocument._meta.get_field("file").storage.delete(name)


def _build_filled_form(case: Case, narrative: Upload | None) -> bytes:
    if narrative is None:
        return build_filled_form(case, narrative=None)
    refusal = open_refusal(narrative)  # its check found it unopenable: never opened again
    if refusal:
        raise NarrativeNotMergeable(refusal, message=refusal)
    with private_folder(None) as folder:
        path = local_copy(narrative, folder)
        return build_filled_form(case, narrative=Path(path), narrative_name=narrative.original_name)
