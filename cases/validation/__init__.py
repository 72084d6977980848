"""Validation of uploaded files against the notice's rules (SPEC §5, issue 4).

Public interface:
- `validate_file(path, kind, *, context, display_name=None) -> list[Finding]`: never raises for a
  bad file; every problem, including a file that crashes a parser, comes back as a finding.
- `RULESET_VERSION`: part of any cache key of findings, beside the file's SHA-256 and every other
  input the rules read (`display_name`, the context's names and limits; see cases.checks).
- `Finding`, `ValidationContext`, `ValidationLimits`, `KINDS`.

Kinds: narrative (Word, standalone or inside the 推荐表), form_word (the enterprise's own Word 推荐表:
the 附件3 table, and the narrative inside it held to the narrative rules), talk_text, ppt, photo_exterior,
photo_case (实物图 or 场景图), photo_product and photo_scene (photo_case with the name fixed),
pdf_scan (stamped scans), pdf_document (证明材料: readable, unprotected), video, package (zip).
`display_name` is the name the user gave the file (storage renames files, and names are checked).
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.utils.translation import gettext as _

from cases.validation import rules
from cases.validation.findings import Finding, Rule, sort_findings, technical
from cases.validation.limits import ValidationContext, ValidationLimits
from cases.validation.office import validate_form_word, validate_narrative, validate_ppt, validate_talk_text
from cases.validation.package import validate_package
from cases.validation.pdf import validate_pdf
from cases.validation.photo import PHOTO_KINDS, validate_photo
from cases.validation.rules import RULESET_VERSION
from cases.validation.units import describe_bytes
from cases.validation.video import validate_video

logger = logging.getLogger(__name__)

# kind → (size-limit group in ValidationLimits.max_file_bytes, rule reported when the file cannot be read)
KIND_TRAITS: dict[str, tuple[str, Rule]] = {
    "narrative": ("narrative", rules.DOCX_UNREADABLE),
    "form_word": ("narrative", rules.DOCX_UNREADABLE),
    "talk_text": ("talk_text", rules.DOCX_UNREADABLE),
    "ppt": ("ppt", rules.PPT_UNREADABLE),
    **{kind: ("photo", rules.PHOTO_NOT_JPEG) for kind in PHOTO_KINDS},
    "pdf_scan": ("pdf", rules.PDF_UNREADABLE),
    "pdf_document": ("pdf", rules.PDF_UNREADABLE),
    "video": ("video", rules.VIDEO_UNREADABLE),
    "package": ("package", rules.PACKAGE_UNREADABLE),
}
KINDS = tuple(KIND_TRAITS)


def validate_file(path: Path, kind: str, *, context: ValidationContext, display_name: str | None = None) -> list[Finding]:
    """Check one file as `kind`; findings sorted errors first. Raises ValueError only for an unknown kind."""
    if kind not in KIND_TRAITS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    size_group, unreadable = KIND_TRAITS[kind]
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        return [unreadable.finding(found=_("the file cannot be opened"), detail=technical(error))]
    limit = context.limits.max_file_bytes[size_group]
    if size > limit:
        return [rules.FILE_TOO_LARGE.finding(found=describe_bytes(size), limit=describe_bytes(limit))]
    if size == 0:
        return [unreadable.finding(found=_("the file is empty"))]
    try:
        findings = _run(path, kind, context, display_name)
    except (MemoryError, RecursionError, Exception) as error:  # a file must never crash the worker
        logger.exception("validation of %s as %s failed", path, kind)
        # Only the class name: the text of an unexpected error may hold server paths.
        return [unreadable.finding(found=_("the file could not be processed"), detail=type(error).__name__)]
    return sort_findings(findings)


def _run(path: Path, kind: str, context: ValidationContext, display_name: str | None) -> list[Finding]:
    if kind == "narrative":
        return validate_narrative(path, context)
    if kind == "form_word":
        return validate_form_word(path, context)
    if kind == "talk_text":
        return validate_talk_text(path, context)
    if kind == "ppt":
        return validate_ppt(path, context)
    if kind in PHOTO_KINDS:
        return validate_photo(path, kind, context, display_name=display_name)
    if kind in ("pdf_scan", "pdf_document"):
        return validate_pdf(path, kind, context)
    if kind == "video":
        return validate_video(path, context, display_name=display_name)
    return validate_package(path, context, _validate_member, display_name=display_name)


def _validate_member(path: Path, kind: str, context: ValidationContext, display_name: str) -> list[Finding]:
    if kind == "package":  # a zip inside the package is not opened: one level only
        return []
    return validate_file(path, kind, context=context, display_name=display_name)


__all__ = ["KINDS", "RULESET_VERSION", "Finding", "ValidationContext", "ValidationLimits", "validate_file"]
