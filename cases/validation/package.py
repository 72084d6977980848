"""The electronic package (附件1): a zip named “地区名+单位名称+案例名称” holding the 推荐表 (Word and
stamped PDF scan), 证明材料 (optional), the photos in a folder “单位名称+照片”, and the exterior
photo once more on its own at the top (附件1 二、1 “另再…单独发送1份”).
When the region, unit or case name is not given, it is read from the zip's own name
(package_name_parts); a name that does not carry them is reported.

Safety first, before anything is inflated: member count, total size, per-member ratio, overlapping
entries (the non-recursive zip bomb), encrypted members, links, absolute paths, drive letters and
`..`. Members are extracted one at a time under generated names (never their own) into a private
folder, with their declared size as a hard cap, and each is validated as the kind of its slot.
Windows tools write Chinese names in GBK without the UTF-8 flag; Python then shows them decoded
as cp437 (╓╟─▄…), so names are re-decoded here before slots are matched.
"""

from __future__ import annotations

import re
import stat
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.validation import rules
from cases.validation.findings import FileProblem, Finding, join_places, technical
from cases.validation.isolation import private_folder
from cases.validation.limits import NOTICE_FORMAT, ValidationContext
from cases.validation.names import (
    display_pattern,
    follows_pattern,
    placeholder_case_name,
    placeholder_region_name,
    placeholder_unit_name,
    stem_and_extension,
)
from cases.validation.sniff import describe_content, read_head
from cases.validation.units import describe_bytes

UTF8_NAME_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
LOCAL_HEADER_SIGNATURE = b"PK\x03\x04"
LOCAL_HEADER_SIZE = 30
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
JUNK_NAMES = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")
COPY_CHUNK = 1 << 20
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".bmp", ".tif", ".tiff", ".gif")
WORD_EXTENSIONS = (".docx", ".doc", ".wps")


@dataclass(frozen=True)
class Slot:
    """An item of the package: matched by a keyword of its name and its extension."""

    key: str
    label: object
    keywords: tuple[str, ...]
    extensions: tuple[str, ...]
    kind: str | None  # the validation kind; None: recognised but not checked
    required: bool
    naming: str  # how the notice names it, for the fix hint


# First match wins: photos before the form, so “…推荐表照片” is never a form.
SLOTS = (
    Slot("photo_exterior", gettext_lazy("exterior photo (企业外景)"), NOTICE_FORMAT.exterior_photo_suffixes, IMAGE_EXTENSIONS, "photo_exterior", True, "案例名称+企业外景.jpg"),
    Slot("photo_product", gettext_lazy("product photo (实物图)"), NOTICE_FORMAT.product_photo_suffixes, IMAGE_EXTENSIONS, "photo_product", True, "案例名称+实物图.jpg"),
    Slot("photo_scene", gettext_lazy("scene photo (场景图)"), NOTICE_FORMAT.scene_photo_suffixes, IMAGE_EXTENSIONS, "photo_scene", True, "案例名称+场景图.jpg"),
    Slot("form_scan", gettext_lazy("stamped scan of the recommendation form (推荐表 PDF)"), ("推荐表",), (".pdf",), "pdf_scan", True, "推荐表（盖章扫描版）.pdf"),
    Slot("form_word", gettext_lazy("recommendation form in Word (推荐表 Word)"), ("推荐表",), WORD_EXTENSIONS, "form_word", True, "推荐表.docx"),
    Slot("summary_scan", gettext_lazy("stamped scan of the summary table (汇总表 PDF)"), ("汇总表",), (".pdf",), "pdf_scan", False, "汇总表.pdf"),
    Slot("summary_word", gettext_lazy("summary table (汇总表)"), ("汇总表",), (*WORD_EXTENSIONS, ".xlsx", ".xls"), None, False, "汇总表.docx"),
    Slot("proof", gettext_lazy("proof documents (证明材料)"), ("证明",), (".pdf",), "pdf_document", False, "证明材料.pdf"),
    Slot("proof_other", gettext_lazy("proof documents (证明材料)"), ("证明",), (), None, False, "证明材料.pdf"),
    Slot("video", gettext_lazy("video (视频)"), (*NOTICE_FORMAT.video_suffixes, ""), (".mp4", ".mov", ".avi", ".mkv"), "video", False, "案例名称+视频.mp4"),
    Slot("talk_text", gettext_lazy("talk text (宣讲文字材料)"), ("宣讲",), WORD_EXTENSIONS, "talk_text", False, "宣讲文字材料.docx"),
    Slot("ppt", gettext_lazy("presentation (宣讲PPT)"), ("",), (".ppt", ".pptx"), "ppt", False, "宣讲PPT.pptx"),
    Slot("narrative", gettext_lazy("narrative (案例概要)"), ("案例概要", "概要"), WORD_EXTENSIONS, "narrative", False, "案例概要.docx"),
)

MemberValidator = Callable[[Path, str, ValidationContext, str], list[Finding]]


class _Unsafe(FileProblem):
    """The archive (or one member) must not be opened further; `reason` says why."""


def decoded_name(info: zipfile.ZipInfo) -> str:
    """The member name as its author wrote it: UTF-8 when flagged, else UTF-8 or GBK (GB18030)."""
    if info.flag_bits & UTF8_NAME_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def slot_for(name: str) -> Slot | None:
    stem, extension = stem_and_extension(name)
    for slot in SLOTS:
        if (not slot.extensions or extension in slot.extensions) and any(keyword in stem for keyword in slot.keywords):
            return slot
    return None


def validate_package(path: Path, context: ValidationContext, validate_member: MemberValidator, *, display_name: str | None = None) -> list[Finding]:
    head = read_head(path)
    if not head.startswith(b"PK"):
        return [rules.PACKAGE_UNREADABLE.finding(found=_("the content is a %(format)s") % {"format": describe_content(head)})]
    name = display_name or path.name
    # Names not given are read from the zip's own name; the members are then judged by them.
    context = context_from_package_name(name, context)
    findings = _check_package_name(name, context)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        return [rules.PACKAGE_UNREADABLE.finding(found=_("the archive is damaged"), detail=technical(error)), *findings]
    with archive:
        try:
            members = _safe_members(archive, path, context, findings)
        except _Unsafe as problem:
            return [rules.PACKAGE_UNSAFE.finding_for(problem), *findings]
        findings += _check_slots_and_folder(members, context)
        with private_folder(context.temp_root) as folder:
            for index, (info, name) in enumerate(members):
                slot = slot_for(name)
                if slot is None or slot.kind is None:
                    continue
                extracted = folder / f"member-{index}{stem_and_extension(name)[1]}"
                try:
                    _extract(archive, info, extracted)
                except _Unsafe as problem:
                    findings.append(rules.PACKAGE_UNSAFE.finding_for(problem, location=name))
                    continue
                member_findings = validate_member(extracted, slot.kind, context, PurePosixPath(name.replace("\\", "/")).name)
                findings += [finding.within(name) for finding in member_findings]
                extracted.unlink(missing_ok=True)
    return findings


def _safe_members(archive: zipfile.ZipFile, path: Path, context: ValidationContext, findings: list[Finding]) -> list[tuple[zipfile.ZipInfo, str]]:
    """The members fit to extract, with their decoded names; unfit members become findings.
    Raises _Unsafe when the archive as a whole is a bomb or malformed."""
    limits = context.limits
    infos = archive.infolist()
    if len(infos) > limits.zip_max_members:
        raise _Unsafe(_("%(count)s members, more than %(limit)s") % {"count": len(infos), "limit": limits.zip_max_members})
    total = sum(info.file_size for info in infos)
    if total > limits.zip_max_total_bytes:
        raise _Unsafe(_("%(size)s when unpacked, more than %(limit)s") % {"size": describe_bytes(total), "limit": describe_bytes(limits.zip_max_total_bytes)})
    _check_overlap(infos, path)

    members: list[tuple[zipfile.ZipInfo, str]] = []
    seen = Counter()
    for info in infos:
        name = decoded_name(info)
        if info.is_dir() or any(junk in name for junk in JUNK_NAMES):
            continue
        problem = _member_problem(info, name, context)
        seen[name.replace("\\", "/").casefold()] += 1
        if seen[name.replace("\\", "/").casefold()] > 1:
            problem = problem or _("the name appears twice in the archive")
        if problem:
            findings.append(rules.PACKAGE_UNSAFE.finding(found=problem, location=name))
            continue
        members.append((info, name))
    return members


def _member_problem(info: zipfile.ZipInfo, name: str, context: ValidationContext) -> str | None:
    limits = context.limits
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or DRIVE_LETTER.match(name):
        return _("an absolute path")
    if ".." in parts:
        return _("a path leading outside the archive (..)")
    if stat.S_ISLNK(info.external_attr >> 16):
        return _("a link")
    if info.flag_bits & ENCRYPTED_FLAG:
        return _("a password-protected member")
    if info.file_size > limits.zip_ratio_floor_bytes:
        if info.compress_size == 0 or info.file_size / info.compress_size > limits.zip_max_member_ratio:
            return _("compressed more than %(ratio)s:1 (a zip bomb)") % {"ratio": limits.zip_max_member_ratio}
    return None


def _check_overlap(infos: list[zipfile.ZipInfo], path: Path) -> None:
    """Entries whose data overlap (several names sharing one compressed stream) make a zip bomb."""
    spans: list[tuple[int, int]] = []
    with path.open("rb") as handle:
        for info in infos:
            handle.seek(info.header_offset)
            header = handle.read(LOCAL_HEADER_SIZE)
            if len(header) < LOCAL_HEADER_SIZE or not header.startswith(LOCAL_HEADER_SIGNATURE):
                raise _Unsafe(_("a damaged member header"))
            name_length = int.from_bytes(header[26:28], "little")
            extra_length = int.from_bytes(header[28:30], "little")
            spans.append((info.header_offset, info.header_offset + LOCAL_HEADER_SIZE + name_length + extra_length + info.compress_size))
    spans.sort()
    for (_start, end), (next_start, _next_end) in zip(spans, spans[1:]):
        if next_start < end:
            raise _Unsafe(_("members overlapping each other (a zip bomb)"))


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path) -> None:
    written = 0
    try:
        with archive.open(info) as source, destination.open("wb") as target:
            while chunk := source.read(COPY_CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    raise _Unsafe(_("a member larger than it declares"))
                target.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        destination.unlink(missing_ok=True)
        raise _Unsafe(_("a damaged member"), technical(error)) from None


# The `+` of “地区名+单位名称+案例名称” as people type it (half- or full-width).
NAME_PART_JOINERS = re.compile(r"\s*[+＋]\s*")


@dataclass(frozen=True)
class PackageName:
    """The three parts a package's own file name carries: 地区名, 单位名称, 案例名称."""

    region_name: str
    unit_name: str
    case_name: str


def package_name_parts(file_name: str) -> PackageName | None:
    """The parts of `地区名+单位名称+案例名称.zip`, or None when the name does not have them.

    Read from the name alone, the `+` is what tells the parts apart (with other separators or none,
    "太原市甲公司智能焦化" could be cut anywhere). The region and the unit are the first two parts;
    the rest is the case name, which may itself hold a `+` (“5G+工业互联网”)."""
    stem, _extension = stem_and_extension(file_name)
    parts = [part.strip() for part in NAME_PART_JOINERS.split(stem.strip())]
    if len(parts) < 3 or not all(parts):
        return None
    return PackageName(region_name=parts[0], unit_name=parts[1], case_name="+".join(parts[2:]))


def context_from_package_name(file_name: str, context: ValidationContext) -> ValidationContext:
    """`context` with the names it lacks taken from the package's own file name (a clerk checking a
    mailbox of zips does not type them for each); unchanged when it has all three or the name
    has no parts to take."""
    if context.region_name and context.unit_name and context.case_name:
        return context
    parsed = package_name_parts(file_name)
    if parsed is None:
        return context
    return replace(
        context,
        region_name=context.region_name or parsed.region_name,
        unit_name=context.unit_name or parsed.unit_name,
        case_name=context.case_name or parsed.case_name,
    )


def _check_package_name(file_name: str, context: ValidationContext) -> list[Finding]:
    stem, _extension = stem_and_extension(file_name)
    leading = [context.region_name, context.unit_name, context.case_name]
    placeholders = [placeholder_region_name(), placeholder_unit_name(), placeholder_case_name()]
    expected = display_pattern(leading, placeholders)
    # A part still unknown here was neither given nor readable from the name: "乙公司的材料.zip"
    # names no region, unit and case, whatever it holds.
    if all(leading) and follows_pattern(stem, leading=leading):
        return []
    return [rules.PACKAGE_NAME.finding(found=file_name, expected=expected)]


def _at_top(name: str) -> bool:
    return str(PurePosixPath(name.replace("\\", "/")).parent) in ("", ".")


def _separate_exterior_copy(names: list[str]) -> str | None:
    """Of two exterior photos, the one at the top of the package when the other is in a folder."""
    if len(names) != 2:
        return None
    top = [name for name in names if _at_top(name)]
    return top[0] if len(top) == 1 else None


def _check_slots_and_folder(members: list[tuple[zipfile.ZipInfo, str]], context: ValidationContext) -> list[Finding]:
    findings: list[Finding] = []
    by_slot: dict[str, list[str]] = {}
    photo_folders: set[str] = set()
    for _info, name in members:
        slot = slot_for(name)
        if slot is None:
            findings.append(rules.PACKAGE_UNEXPECTED.finding(location=name))
            continue
        by_slot.setdefault(slot.key, []).append(name)
    separate = _separate_exterior_copy(by_slot.get("photo_exterior", []))
    if separate is not None:
        # 附件1 二、1: the exterior photo is “另再…单独发送1份”, sent once more on its own beside
        # the photo folder: that copy is neither a duplicate nor a photo outside the folder.
        by_slot["photo_exterior"].remove(separate)
    for key, names in by_slot.items():
        if key.startswith("photo_"):
            # A photo at the top is in folder "" (PurePosixPath says "."), shown as "/".
            photo_folders.update("" if _at_top(name) else str(PurePosixPath(name.replace("\\", "/")).parent)
                                 for name in names)
    for slot in SLOTS:
        names = by_slot.get(slot.key, [])
        if slot.required and not names:
            findings.append(rules.PACKAGE_MISSING.finding(found=str(slot.label), pattern=slot.naming))
        if len(names) > 1:
            findings.append(rules.PACKAGE_DUPLICATE.finding(found=str(slot.label), location=join_places(names)))
    folder_pattern = display_pattern([context.unit_name, NOTICE_FORMAT.photo_folder_suffix], [placeholder_unit_name(), ""])
    for folder in sorted(photo_folders):
        folder_name = PurePosixPath(folder).name
        if folder in ("", ".") or not follows_pattern(folder_name, leading=[context.unit_name], suffixes=(NOTICE_FORMAT.photo_folder_suffix,)):
            findings.append(rules.PACKAGE_NAME.finding(found=folder_name or "/", expected=folder_pattern, location=folder or "/"))
    return findings
