"""Reading a case's documents in the browser: Word files rendered to PDF by LibreOffice in a worker.

PDF uploads are their own preview; Word uploads get a stored PDF made once, on first request.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.base import File

from cases.enums import ValidationState
from cases.models import Upload
from cases.validation.isolation import ToolMissing, ToolTimeout, private_folder, run_tool

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
    """Queue the rendering of a Word upload unless it is done or under way."""
    if preview_kind(upload) != "word" or upload.preview_state in (ValidationState.PENDING, ValidationState.RUNNING, ValidationState.DONE):
        return
    Upload.objects.filter(pk=upload.pk).update(preview_state=ValidationState.PENDING)
    from cases.tasks import render_preview_task
    from portal.queueing import enqueue_on_commit

    enqueue_on_commit(render_preview_task, upload.pk)


def render_preview(upload_id: int) -> str:
    """Render one Word upload to PDF with LibreOffice (own process group, profile and timeout).
    Idempotent: a finished preview is kept."""
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None or preview_kind(upload) != "word":
        return "skipped"
    if upload.preview_state == ValidationState.DONE and upload.preview:
        return ValidationState.DONE
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
            run_tool(arguments, timeout=RENDER_TIMEOUT_SECONDS, cwd=folder, extra_env={"FONTCONFIG_FILE": str(FONTCONFIG_FILE)})
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
