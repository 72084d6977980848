"""Opening an upload to build something from it (a document, a preview, a summary), safely.

The rule (issue 11): no code parses an uploaded file except behind the validation engine's guard
or after the upload's own check found it openable.
- `open_refusal(upload)`: the finished check's verdict. A file whose check found it unopenable
  (a code of cases.validation.rules.UNOPENABLE_CODES: damaged, disguised, too large, a zip bomb)
  is never opened again; the message says which file, what is wrong and how to fix it.
- `guarded_word_package(path, ...)`: the engine's guard (cases.validation.ooxml.OoxmlPackage:
  member count, part sizes and compression ratios judged from the zip's directory, before
  anything is inflated), for files whose check has not finished.
- `merge_narrative(...)`: python-docx loads a package whole, so that runs in a child process with
  an address-space limit (cases.documents.merge, run through cases.validation.isolation.run_tool).
Documents built this way are built by Celery tasks (cases.generation), never in a web request.
"""

from __future__ import annotations

import logging
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from django.utils.translation import gettext as _

from cases.documents.merge import EXIT_NOT_WORD, PEAK_RSS_PREFIX
from cases.enums import ValidationState
from cases.models import Upload
from cases.validation import rules as check_rules
from cases.validation.isolation import ToolMissing, ToolTimeout, private_folder, run_tool
from cases.validation.limits import MIB, ValidationLimits
from cases.validation.ooxml import OoxmlPackage, UnreadablePackage, qn
from cases.validation.units import describe_bytes
from cases.validation.wordml import is_hidden, open_word_document

logger = logging.getLogger(__name__)
COPY_CHUNK = 1024 * 1024
MERGE_TIMEOUT_SECONDS = 120.0
# What a page may parse of a Word upload inside a web request (a summary, a title): a narrative of
# ~2000 字 has a document.xml of well under 1 MB; anything larger is not read there at all.
IN_REQUEST_XML_BYTES = 8 * MIB


class UnsafeUpload(ValueError):
    """An upload the portal will not open; str() says in Chinese which file, what is wrong and how
    to fix it."""


def unsafe_message(upload_name: str, slot_label: str, problem: str, fix: str) -> str:
    return _("The file “%(name)s” (%(slot)s) was not opened: %(problem)s %(fix)s Then upload it again in the same slot.") % {
        "name": upload_name, "slot": slot_label, "problem": problem.rstrip(), "fix": fix.rstrip()}


def unopenable_finding(upload: Upload) -> dict | None:
    """The finding of the upload's finished check that says it cannot be opened safely, or None."""
    if upload.validation_state != ValidationState.DONE:
        return None
    return next((f for f in upload.findings if f.get("rule") in check_rules.UNOPENABLE_CODES), None)


def open_refusal(upload: Upload) -> str | None:
    """Why `upload` must not be opened, from its finished check; None when the check found it
    openable or has not finished (then only the guarded reader may open it)."""
    finding = unopenable_finding(upload)
    if finding is None:
        return None
    return unsafe_message(upload.original_name, upload.get_slot_display(), finding.get("message", ""), finding.get("fix", ""))


def check_passed(upload: Upload) -> bool:
    """The upload's check has finished and found the file openable (format findings aside)."""
    return upload.validation_state == ValidationState.DONE and unopenable_finding(upload) is None


def local_copy(upload: Upload, folder: Path, name: str = "upload") -> Path:
    """The stored file copied into `folder` (storage may be remote), a chunk at a time."""
    target = folder / name
    with upload.file.storage.open(upload.file.name, "rb") as source, open(target, "wb") as copy:
        shutil.copyfileobj(source, copy, COPY_CHUNK)
    return target


def guard_word_package(path: Path, limits: ValidationLimits, *, upload_name: str, slot_label: str) -> None:
    """The engine's guard on an OOXML file: raises UnsafeUpload when a part is too large or
    compressed like a zip bomb (the caps of the checks). Reads only the zip's directory."""
    try:
        with OoxmlPackage(path, limits):
            pass
    except UnreadablePackage as problem:
        finding = check_rules.DOCX_UNREADABLE.finding(found=str(problem))
        raise UnsafeUpload(unsafe_message(upload_name, slot_label, finding.message, finding.fix)) from None


def merge_narrative(form: Path, narrative: Path, folder: Path, limits: ValidationLimits, *, upload_name: str,
                    slot_label: str) -> bytes:
    """The 推荐表 `form` inserted in front of the guarded `narrative` (.docx), built in a child
    process limited to `limits.tool_memory_bytes`. Raises UnsafeUpload (too much memory or time)
    or NotWordDocument (python-docx cannot open it)."""
    guard_word_package(narrative, limits, upload_name=upload_name, slot_label=slot_label)
    out = folder / "merged.docx"
    too_big = _("it needs more than %(limit)s of memory to open, far more than a narrative of text and up to three photos.") % {
        "limit": describe_bytes(limits.tool_memory_bytes)}
    fix = _("Open it in Word, compress the pictures (File → Compress Pictures), save it as .docx.")
    try:
        result = run_tool([sys.executable, "-m", "cases.documents.merge", str(form), str(narrative), str(out)],
                          timeout=MERGE_TIMEOUT_SECONDS, cwd=folder, memory_limit=limits.tool_memory_bytes,
                          extra_env={"PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    except ToolTimeout:
        raise UnsafeUpload(unsafe_message(upload_name, slot_label, _("it took too long to open."), fix)) from None
    except ToolMissing as missing:
        raise RuntimeError(f"{missing} is needed to merge the narrative") from None
    peak = _child_peak_rss_kib(result.stderr)
    logger.info("narrative merge: exit %s, peak memory %s KiB", result.returncode, peak,
                extra={"event": "narrative_merge", "returncode": result.returncode, "peak_rss_kib": peak})
    if result.returncode == EXIT_NOT_WORD:
        raise NotWordDocument(result.stderr.decode("utf-8", "replace")[-500:])
    if result.returncode != 0 or not out.is_file():
        raise UnsafeUpload(unsafe_message(upload_name, slot_label, too_big, fix))
    return out.read_bytes()


def _child_peak_rss_kib(stderr: bytes) -> int | None:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    if lines and lines[-1].startswith(PEAK_RSS_PREFIX):
        return int(lines[-1][len(PEAK_RSS_PREFIX):])
    return None  # killed before it could say


class NotWordDocument(ValueError):
    """python-docx could not open the narrative; args[0] is the technical reason (for logs)."""


def word_paragraphs(upload: Upload) -> list[tuple[str, str]]:
    """(style name, text) of the visible body paragraphs of a .docx upload whose check passed, read
    through the engine's guarded reader with parts capped at IN_REQUEST_XML_BYTES (small enough
    for a web request); [] for anything else (not checked yet, unopenable, a .doc, too large)."""
    if not check_passed(upload) or not upload.original_name.lower().endswith(".docx"):
        return []
    limits = replace(ValidationLimits(), max_xml_part_bytes=IN_REQUEST_XML_BYTES)
    with private_folder(None) as folder:
        try:
            document = open_word_document(local_copy(upload, folder), limits)
        except UnreadablePackage:
            return []
        try:
            formatting = document.formatting
            return [
                (formatting.style_name(formatting.paragraph_style_id(element)), document.paragraph(element).text)
                for element in document.body.iter(qn("w:p")) if not is_hidden(element, document.body)
            ]
        finally:
            document.package.close()
