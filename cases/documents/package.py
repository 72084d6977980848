"""The electronic package of a case (附件1): one zip named `地区名+单位名称+案例名称.zip`, streamed.

Inside: the 推荐表 Word version (the enterprise's own, or the one a worker built, cases.generation), its stamped scan, the 证明材料, the 案例概要 narrative,
the exterior photo once more on its own (`案例名称+企业外景.jpg`: 附件1 二、1 “另再以文件名为‘案例名称+
企业外景’单独发送1份电子版”) and a folder `单位名称+照片/` with `案例名称+企业外景.jpg`,
`案例名称+实物图.jpg`, `案例名称+场景图.jpg`. The photo folder is also offered as a zip of its own,
`单位名称+照片.zip` (附件1 “照片压缩文件夹以‘单位名称+照片’为标题”: photo_folder_members). A tier's
batch zip adds its 推荐汇总表 (Word and the stamped PDF scan) beside the cases' packages
(review.documents.summary_tables.summary_table_members). Uploaded files are copied byte for byte
from storage, a chunk at a time.

Streaming uses the standard library: `zipfile` writes into a sink that is not seekable, so it
puts each entry's CRC and sizes in a data descriptor after the data instead of seeking back, and
the generator hands out whatever the sink received after every chunk. Memory stays at about one
chunk plus the generated 推荐表, whatever the size of the uploads. (zipstream-ng would do the same
and can also predict the zip's length; we do not need Content-Length badly enough for a
dependency.) Members are stored, not deflated: JPEG, PDF and .docx are compressed already.

Entry names are UTF-8 with the language-encoding flag (general purpose bit 11) set on every entry,
so Windows Explorer, 7-Zip and macOS show the Chinese names instead of mojibake.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, NamedTuple

from django.db.models.fields.files import FieldFile
from django.utils import timezone

from cases.documents.naming import case_region, join_name, sanitize_name_part, unit_name
from cases.documents.recommendation_form import build_filled_form
from cases.enums import UploadSlot, ValidationState
from cases.generation import stored_filled_form
from cases.models import Case, Upload

CHUNK_SIZE = 64 * 1024
UTF8_NAME_FLAG = 0x800  # general purpose bit 11: file name and comment are UTF-8

PACKAGE_EXTENSION = "zip"
PHOTO_FOLDER_SUFFIX = "照片"

# What each slot is called inside the package, after `案例名称+`, and its extension.
# Extensions: the first is the canonical one; others are accepted from the original file name.
MEMBER_LABELS: dict[str, tuple[str, tuple[str, ...]]] = {
    UploadSlot.FORM_WORD: ("推荐表", ("docx", "doc")),
    UploadSlot.FORM_SCAN: ("推荐表（盖章扫描版）", ("pdf",)),
    UploadSlot.PROOF: ("证明材料", ("pdf",)),
    UploadSlot.NARRATIVE: ("案例概要", ("docx", "doc")),
    UploadSlot.PHOTO_EXTERIOR: ("企业外景", ("jpg",)),
    UploadSlot.PHOTO_PRODUCT: ("实物图", ("jpg",)),
    UploadSlot.PHOTO_SCENE: ("场景图", ("jpg",)),
}
DOCUMENT_SLOTS = (UploadSlot.FORM_WORD, UploadSlot.FORM_SCAN, UploadSlot.PROOF, UploadSlot.NARRATIVE)
PHOTO_SLOTS = (UploadSlot.PHOTO_EXTERIOR, UploadSlot.PHOTO_PRODUCT, UploadSlot.PHOTO_SCENE)


class PackageMember(NamedTuple):
    """One file of the package: its path in the zip and where its bytes come from — an Upload or a
    stored file (read from storage in chunks), or a callable building the bytes (a generated document)."""

    arcname: str
    source: Upload | FieldFile | Callable[[], bytes]

    def open(self) -> IO[bytes]:
        if isinstance(self.source, Upload):
            return self.source.file.storage.open(self.source.file.name, "rb")
        if isinstance(self.source, FieldFile):
            return self.source.storage.open(self.source.name, "rb")
        return io.BytesIO(self.source())

    @property
    def size_hint(self) -> int | None:
        if isinstance(self.source, Upload):
            return self.source.size
        return None

    @property
    def modified(self) -> datetime.datetime:
        when = self.source.uploaded_at if isinstance(self.source, Upload) else None
        return timezone.localtime(when or timezone.now())

    def in_folder(self, folder: str) -> PackageMember:
        """The same member under `folder/` (the batch zip puts each case in a folder of its own);
        `folder` may nest ("太原市/…"), each level made safe on its own."""
        safe = "/".join(sanitize_name_part(level) for level in folder.split("/"))
        return self._replace(arcname=f"{safe}/{self.arcname}")


def package_filename(case: Case) -> str:
    """`地区名+单位名称+案例名称.zip`, e.g. `太原市+山西示例科技有限公司+智能焦化.zip`."""
    return join_name(case_region(case), unit_name(case), case.title, extension=PACKAGE_EXTENSION)


def package_stem(case: Case) -> str:
    """The package name without `.zip` (the batch zip's folder for this case)."""
    return join_name(case_region(case), unit_name(case), case.title)


def photo_folder(case: Case) -> str:
    """`单位名称+照片`."""
    return join_name(unit_name(case), PHOTO_FOLDER_SUFFIX)


def photo_folder_filename(case: Case) -> str:
    """`单位名称+照片.zip`: the 照片压缩文件夹 offered on its own."""
    return f"{photo_folder(case)}.{PACKAGE_EXTENSION}"


def current_uploads(case: Case) -> dict[str, list[Upload]]:
    """The case's current (not superseded) uploads by slot, oldest first."""
    by_slot: dict[str, list[Upload]] = {}
    for upload in case.uploads.filter(superseded_at__isnull=True).order_by("uploaded_at", "pk"):
        by_slot.setdefault(upload.slot, []).append(upload)
    return by_slot


def _extension(upload: Upload, accepted: tuple[str, ...]) -> str:
    suffix = upload.original_name.rsplit(".", 1)[-1].lower() if "." in upload.original_name else ""
    if suffix == "jpeg":
        suffix = "jpg"
    return suffix if suffix in accepted else accepted[0]


def _slot_members(case: Case, slot: str, uploads: list[Upload], folder: str = "") -> list[PackageMember]:
    label, accepted = MEMBER_LABELS[slot]
    members = []
    for index, upload in enumerate(uploads, start=1):
        # Several files in one slot (证明材料) are numbered: 证明材料1, 证明材料2 …
        part = f"{label}{index}" if len(uploads) > 1 else label
        name = join_name(case.title, part, extension=_extension(upload, accepted))
        members.append(PackageMember(f"{folder}/{name}" if folder else name, upload))
    return members


def _packaged_form(case: Case) -> bytes:
    """The 推荐表 a worker built with the narrative as 附页 (cases.generation: the download views
    wait for it). When it was refused (an unsafe or unreadable narrative) or is not built for the
    case as it is now, the form goes without it, built from the case's own data with no upload
    opened: the narrative is in the package as its own file, and the case page already told the
    enterprise (cases.queries.submission_problems)."""
    document = stored_filled_form(case)
    if document is not None and document.state == ValidationState.DONE and document.file:
        with document.file.open("rb") as handle:
            return handle.read()
    return build_filled_form(case, narrative=None)


def package_members(case: Case) -> list[PackageMember]:
    """What the package holds, in order. Only current uploads. The 推荐表 Word version is the
    enterprise's own upload when there is one (it is the document that was stamped), otherwise
    the form the portal fills from the case, with the narrative as 附页."""
    uploads = current_uploads(case)
    members: list[PackageMember] = []
    for slot in DOCUMENT_SLOTS:
        if slot == UploadSlot.FORM_WORD and not uploads.get(slot):

            def build(case=case) -> bytes:
                return _packaged_form(case)

            label, accepted = MEMBER_LABELS[slot]
            members.append(PackageMember(join_name(case.title, label, extension=accepted[0]), build))
            continue
        members.extend(_slot_members(case, slot, uploads.get(slot, [])))
    # 附件1 二、1: the exterior photo “另再…单独发送1份”: once more on its own, beside the folder.
    members.extend(_slot_members(case, UploadSlot.PHOTO_EXTERIOR, uploads.get(UploadSlot.PHOTO_EXTERIOR, [])))
    members.extend(photo_folder_members(case, uploads))
    return _unique(members)


def photo_folder_members(case: Case, uploads: dict[str, list[Upload]] | None = None) -> list[PackageMember]:
    """The photo folder `单位名称+照片/` with its three photos: inside the package, and on its own
    as `单位名称+照片.zip` (photo_folder_filename)."""
    uploads = current_uploads(case) if uploads is None else uploads
    folder = photo_folder(case)
    members: list[PackageMember] = []
    for slot in PHOTO_SLOTS:
        members.extend(_slot_members(case, slot, uploads.get(slot, []), folder=folder))
    return _unique(members)


def _unique(members: list[PackageMember]) -> list[PackageMember]:
    seen: set[str] = set()
    result = []
    for member in members:
        arcname = member.arcname
        stem, dot, ext = arcname.rpartition(".")
        counter = 2
        while arcname.lower() in seen:
            arcname = f"{stem}（{counter}）{dot}{ext}" if dot else f"{member.arcname}（{counter}）"
            counter += 1
        seen.add(arcname.lower())
        result.append(member._replace(arcname=arcname))
    return result


# --- streaming ------------------------------------------------------------------------------


class _Utf8ZipInfo(zipfile.ZipInfo):
    """Sets the UTF-8 flag on every entry; the standard library sets it only on non-ASCII names,
    and resets flag_bits when it opens an entry for writing."""

    def _encodeFilenameFlags(self):  # noqa: N802 - overrides zipfile's name
        return self.filename.encode("utf-8"), self.flag_bits | UTF8_NAME_FLAG


class _ChunkSink:
    """A write-only, non-seekable file: collects what zipfile writes until the generator drains it."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _zip_info(member: PackageMember) -> zipfile.ZipInfo:
    modified = member.modified
    info = _Utf8ZipInfo(member.arcname, date_time=modified.timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    if member.size_hint is not None:
        # zipfile decides from the expected size whether the entry needs ZIP64 sizes.
        info.file_size = member.size_hint
    return info


def stream_zip(members: Iterable[PackageMember], *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield a zip of `members` piece by piece; never holds more than about one chunk of it."""
    sink = _ChunkSink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for member in members:
            info = _zip_info(member)
            with member.open() as source, archive.open(info, mode="w") as target:
                while chunk := source.read(chunk_size):
                    target.write(chunk)
                    if data := sink.drain():
                        yield data
            if data := sink.drain():
                yield data
    if data := sink.drain():
        yield data


def stream_package(case: Case, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The case's package as a stream of bytes chunks, for StreamingHttpResponse."""
    return stream_zip(package_members(case), chunk_size=chunk_size)


def stream_photo_folder(case: Case, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The case's photo folder `单位名称+照片/` zipped on its own."""
    return stream_zip(photo_folder_members(case), chunk_size=chunk_size)
