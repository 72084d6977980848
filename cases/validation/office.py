"""Word and PowerPoint files: opening them safely, converting legacy .doc/.ppt, and the checks of
the kinds `narrative`, `talk_text` and `ppt`.

Legacy files are sniffed before conversion (an OLE compound file with a WordDocument or
PowerPoint Document stream), because LibreOffice happily "converts" random bytes into an empty
document. Conversion runs LibreOffice headless in its own process group, with a timeout, inside a
private folder that also holds its user profile: concurrent calls sharing a profile fail.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from django.utils.translation import gettext as _

from cases.validation import rules
from cases.validation.findings import Finding, Rule
from cases.validation.isolation import ToolMissing, ToolTimeout, private_folder, run_tool
from cases.validation.limits import ValidationContext
from cases.validation.narrative import check_form_word, check_narrative
from cases.validation.ooxml import OoxmlPackage, UnreadablePackage, qn
from cases.validation.sniff import describe_content, ole_stream_names, read_head
from cases.validation.wordcount import word_count
from cases.validation.wordml import WordDocument, is_hidden, open_word_document

ZIP_MAGIC = b"PK\x03\x04"
OLE_ENCRYPTED_STREAM = "EncryptedPackage"  # a password-protected .docx/.pptx is an OLE file
WORD_STREAM = "WordDocument"
POWERPOINT_STREAM = "PowerPoint Document"
LIBREOFFICE_FILTERS = {"docx": "docx:MS Word 2007 XML", "pptx": "pptx:Impress MS PowerPoint 2007 XML"}


class NotConvertible(Exception):
    """The legacy file could not be turned into OOXML; args[0] is the finding to report."""


def validate_narrative(path: Path, context: ValidationContext) -> list[Finding]:
    return _validate_word(path, context, check_narrative)


def validate_form_word(path: Path, context: ValidationContext) -> list[Finding]:
    return _validate_word(path, context, check_form_word)


def validate_talk_text(path: Path, context: ValidationContext) -> list[Finding]:
    return _validate_word(path, context, _check_talk_text)


def validate_ppt(path: Path, context: ValidationContext) -> list[Finding]:
    with private_folder(context.temp_root) as folder:
        try:
            pptx_path = as_ooxml(path, context, folder, legacy_stream=POWERPOINT_STREAM, target="pptx", unreadable=rules.PPT_UNREADABLE)
        except NotConvertible as problem:
            return [problem.args[0]]
        try:
            with OoxmlPackage(pptx_path, context.limits) as package:
                presentation = package.xml(package.main_part())
                if presentation.tag != qn("p:presentation"):
                    return [rules.PPT_UNREADABLE.finding(found=_("it is not a PowerPoint presentation"))]
                slides = presentation.findall(f"{qn('p:sldIdLst')}/{qn('p:sldId')}")
        except UnreadablePackage as problem:
            return [rules.PPT_UNREADABLE.finding_for(problem)]
        return [] if slides else [rules.PPT_EMPTY.finding()]


def _validate_word(path: Path, context: ValidationContext, check: Callable[[WordDocument, ValidationContext], list[Finding]]) -> list[Finding]:
    with private_folder(context.temp_root) as folder:
        try:
            docx_path = as_ooxml(path, context, folder, legacy_stream=WORD_STREAM, target="docx", unreadable=rules.DOCX_UNREADABLE)
        except NotConvertible as problem:
            return [problem.args[0]]
        try:
            document = open_word_document(docx_path, context.limits)
        except UnreadablePackage as problem:
            return [rules.DOCX_UNREADABLE.finding_for(problem)]
        try:
            return check(document, context)
        finally:
            document.package.close()


def _check_talk_text(document: WordDocument, context: ValidationContext) -> list[Finding]:
    # The main text with its tables; text boxes, deleted text and fallback copies are not counted.
    paragraphs = [document.paragraph(element) for element in document.body.iter(qn("w:p")) if not is_hidden(element, document.body)]
    count = sum(word_count(paragraph.text) for paragraph in paragraphs)
    limits = context.limits
    if limits.talk_text_min_chars <= count <= limits.talk_text_max_chars:
        return []
    target = (limits.talk_text_min_chars + limits.talk_text_max_chars) // 2
    return [
        rules.TALK_TEXT_LENGTH.finding(
            found=str(count), target=target, minimum=limits.talk_text_min_chars, limit=limits.talk_text_max_chars
        )
    ]


def as_ooxml(path: Path, context: ValidationContext, folder: Path, *, legacy_stream: str, target: str, unreadable: Rule) -> Path:
    """The OOXML file to read: `path` itself, or a LibreOffice conversion of a legacy file."""
    head = read_head(path)
    if head.startswith(ZIP_MAGIC):
        return path
    if not head.startswith(b"\xd0\xcf\x11\xe0"):
        raise NotConvertible(unreadable.finding(found=_("the content is a %(format)s") % {"format": describe_content(head)}))
    streams = ole_stream_names(path, max_bytes=context.limits.max_file_bytes["ppt" if target == "pptx" else "narrative"])
    if OLE_ENCRYPTED_STREAM in streams:
        raise NotConvertible(unreadable.finding(found=_("it is protected by a password")))
    if legacy_stream not in streams:
        raise NotConvertible(unreadable.finding(found=_("it is an Office file of another kind")))
    return convert_with_libreoffice(path, context, folder, target=target, unreadable=unreadable)


def convert_with_libreoffice(path: Path, context: ValidationContext, folder: Path, *, target: str, unreadable: Rule) -> Path:
    """Convert a legacy Office file to `target` (docx/pptx) inside `folder`."""
    source = folder / f"input{path.suffix.lower() or '.bin'}"
    shutil.copyfile(path, source)
    output_folder = folder / "out"
    profile = folder / "profile"
    arguments = [
        context.libreoffice_binary,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
        "--convert-to", LIBREOFFICE_FILTERS[target],
        "--outdir", str(output_folder),
        str(source),
    ]
    try:
        run_tool(arguments, timeout=context.limits.libreoffice_timeout_seconds, cwd=folder,
                 memory_limit=context.limits.tool_memory_bytes)
    except ToolMissing:
        raise NotConvertible(rules.TOOL_UNAVAILABLE.finding(found=_("LibreOffice (needed to read .doc and .ppt files)"))) from None
    except ToolTimeout:
        raise NotConvertible(unreadable.finding(found=_("converting the old format took too long"))) from None
    converted = output_folder / f"{source.stem}.{target}"
    if not converted.is_file() or converted.stat().st_size == 0:
        raise NotConvertible(unreadable.finding(found=_("the old format could not be converted")))
    return converted
