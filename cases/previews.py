"""Reading a case's documents in the browser: Word files rendered to PDF by LibreOffice in a worker.

PDF uploads are their own preview; Word uploads get a stored PDF made by a worker as soon as their
check has passed (`queue_preview_after_check`, called by cases.checks), so the first reader finds it
ready. LibreOffice parses the file, so it runs only after the check found the file openable (the
engine's guard: part sizes, compression ratios) and with an address-space limit; a file the check
found unopenable is never rendered, and the page says why (cases.documents.confined.open_refusal).
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.base import File

from django.utils.translation import gettext as _

from cases.documents.confined import check_passed, open_refusal
from cases.enums import ValidationState
from cases.models import Upload
from cases.validation.isolation import ToolMissing, ToolTimeout, private_folder, run_tool
from cases.validation.limits import ValidationLimits

FONTCONFIG_FILE = Path(settings.BASE_DIR) / "portal" / "fontconfig" / "fonts.conf"
WORD_EXTENSIONS = (".docx", ".doc")
RENDER_TIMEOUT_SECONDS = 120


def preview_kind(upload: Upload) -> str | None:
    """"pdf" (served as it is), "word" (rendered to PDF), "image" (served as it is) or None."""
    name = upload.original_name.lower()
    if name.endswith(".pdf"):
        return "pdf"
    if name.endswith(WORD_EXTENSIONS):
        return "word"
    if name.endswith((".jpg", ".jpeg")):
        return "image"
    return None


def request_preview(upload: Upload) -> None:
    """Queue the rendering of a Word upload never asked for (checked before previews followed the
    check); one still being checked is queued by its check (cases.checks)."""
    if preview_kind(upload) != "word" or upload.preview_state or upload.validation_state != ValidationState.DONE:
        return
    queue_preview_after_check(upload)


def queue_preview_after_check(upload: Upload) -> None:
    """Once the check of `upload` is stored: queue its preview when it is a Word file the check
    found openable (a file it found unopenable gets none, and its page says why)."""
    if preview_kind(upload) != "word" or upload.preview_state == ValidationState.DONE:
        return
    if not check_passed(upload):
        Upload.objects.filter(pk=upload.pk).update(preview_state=ValidationState.FAILED)
        return
    _queue(upload)


def _queue(upload: Upload) -> None:
    Upload.objects.filter(pk=upload.pk).update(preview_state=ValidationState.PENDING)
    from cases.tasks import render_preview_task  # tasks import this module
    from portal.queueing import enqueue_on_commit

    enqueue_on_commit(render_preview_task, upload.pk)


# What the preview page shows while waiting: (step, of how many, what is happening).
PREVIEW_STEPS = 3


def preview_progress(upload: Upload) -> dict:
    """Where the preview of a Word upload stands, for the page and its poll (static/js/preview-wait.js)."""
    if upload.preview_state == ValidationState.DONE and upload.preview:
        return {"state": "ready", "step": PREVIEW_STEPS, "steps": PREVIEW_STEPS, "label": _("The preview is ready.")}
    refusal = open_refusal(upload)
    if refusal or upload.preview_state == ValidationState.FAILED:
        return {"state": "failed", "step": 0, "steps": PREVIEW_STEPS, "label": refusal or _(
            "This file could not be rendered for reading in the browser. Download it and open it in Word or WPS.")}
    if upload.validation_state != ValidationState.DONE:
        return {"state": "checking", "step": 1, "steps": PREVIEW_STEPS,
                "label": _("Step 1 of 3: the file is being checked; the preview is made right after.")}
    if upload.preview_state == ValidationState.RUNNING:
        return {"state": "rendering", "step": 3, "steps": PREVIEW_STEPS,
                "label": _("Step 3 of 3: the pages are being laid out (this takes about 15 seconds for a long document).")}
    return {"state": "queued", "step": 2, "steps": PREVIEW_STEPS,
            "label": _("Step 2 of 3: waiting for a free worker to make the preview.")}


def render_preview(upload_id: int) -> str:
    """Render one Word upload to PDF with LibreOffice (own process group, profile, timeout and
    memory limit), only after its check found it openable. Idempotent: a finished preview is kept;
    a file still being checked is left for the check to queue again."""
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None or preview_kind(upload) != "word":
        return "skipped"
    if upload.preview_state == ValidationState.DONE and upload.preview:
        return ValidationState.DONE
    if upload.validation_state != ValidationState.DONE:
        return "waiting for the check"  # cases.checks queues the preview when the check is stored
    if not check_passed(upload):
        Upload.objects.filter(pk=upload.pk).update(preview_state=ValidationState.FAILED)
        return ValidationState.FAILED
    Upload.objects.filter(pk=upload.pk).update(preview_state=ValidationState.RUNNING)
    with private_folder(None) as folder:
        source = folder / f"document{Path(upload.original_name).suffix.lower()}"
        with upload.file.storage.open(upload.file.name, "rb") as stored, open(source, "wb") as target:
            shutil.copyfileobj(stored, target, 1024 * 1024)
        arguments = [
            "soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--invisible",
            "--norestore", "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "pdf",
            "--outdir", str(folder / "out"), str(source),
        ]
        try:
            run_tool(arguments, timeout=RENDER_TIMEOUT_SECONDS, cwd=folder, extra_env={"FONTCONFIG_FILE": str(FONTCONFIG_FILE)},
                     memory_limit=ValidationLimits().tool_memory_bytes)
        except (ToolMissing, ToolTimeout):
            Upload.objects.filter(pk=upload.pk).update(preview_state=ValidationState.FAILED)
            return ValidationState.FAILED
        rendered = folder / "out" / f"{source.stem}.pdf"
        if not rendered.is_file() or rendered.stat().st_size == 0:
            Upload.objects.filter(pk=upload.pk).update(preview_state=ValidationState.FAILED)
            return ValidationState.FAILED
        with open(rendered, "rb") as handle:
            upload.preview.save("preview.pdf", File(handle), save=False)
    Upload.objects.filter(pk=upload.pk).update(preview=upload.preview.name, preview_state=ValidationState.DONE)
    return ValidationState.DONE
