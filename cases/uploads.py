"""Receiving an uploaded file: streamed to a temporary file in chunks, size-limited per slot while it
arrives, hashed (SHA-256) on the way, then sniffed by its first bytes before it reaches storage.

Django's default handlers keep small files in memory and know nothing of slots; `SlotUploadHandler`
replaces them for the upload view (set before `request.POST` is first read, which is why that view
is csrf_exempt outside and csrf_protect inside). Memory stays at about one chunk whatever the size.
"""

from __future__ import annotations

import hashlib
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.utils.translation import gettext as _

from cases.slots import SlotRule
from cases.validation.sniff import OLE_MAGIC, describe_content
from cases.validation.units import describe_bytes

FILE_FIELD = "file"
CHUNK_SIZE = 1024 * 1024
MAX_NAME_LENGTH = 200
HEAD_BYTES = 16


class UploadRejected(Exception):
    """The file cannot go into the slot; the message says why and what to do, in Chinese."""


class HashedTemporaryUploadedFile(TemporaryUploadedFile):
    """A streamed upload that knows its SHA-256 (computed while it arrived)."""

    sha256: str = ""


class SlotUploadHandler(FileUploadHandler):
    """Streams the one file field of a slot upload to disk, hashing it and stopping at the slot's
    size limit. `error` holds the reason when the upload was stopped."""

    chunk_size = CHUNK_SIZE

    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.error: str | None = None
        self._hash = None
        self._received = 0

    def _too_large(self) -> StopUpload:
        self.error = _("The file is larger than this slot allows (at most %(limit)s). Make it smaller and upload it again.") % {
            "limit": describe_bytes(self.max_bytes),
        }
        # The rest of the request is read and thrown away, so the browser gets the answer.
        return StopUpload(connection_reset=False)

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        if field_name != FILE_FIELD:
            raise SkipFile
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        if content_length is not None and content_length > self.max_bytes:
            raise self._too_large()
        self._hash = hashlib.sha256()
        self._received = 0
        self.file = HashedTemporaryUploadedFile(self.file_name, self.content_type, 0, self.charset, self.content_type_extra)

    def receive_data_chunk(self, raw_data, start):
        self._received += len(raw_data)
        if self._received > self.max_bytes:
            raise self._too_large()
        self._hash.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.file.flush()
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self._hash.hexdigest()
        return self.file

    def upload_interrupted(self):
        if hasattr(self, "file"):
            self.file.close()  # a temporary file deletes itself on close


def display_name(raw: str | None, *, fallback_extension: str = "") -> str:
    """The user's file name, safe to show and to keep: no folders (`../`, `\\`, `C:`), no control
    characters, no leading dots, at most MAX_NAME_LENGTH characters with the extension kept.
    It is never used as a path: storage names are opaque (cases.models.upload_storage_path)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    if len(name) >= 2 and name[1] == ":":
        name = name[2:]
    name = "".join(char for char in name if char.isprintable() and char not in '<>:"|?*')
    name = name.strip()
    stem, dot, extension = name.rpartition(".")
    if dot and not stem.strip(". ") and extension.strip():
        # Only an extension (".jpg"): keep it as one rather than turning it into the name "jpg".
        name = _("file") + "." + extension.strip()
    name = name.lstrip(".").strip()
    if not name:
        name = _("file") + (f".{fallback_extension}" if fallback_extension else "")
    if len(name) > MAX_NAME_LENGTH:
        name = _shortened(name)
    return name


NAME_CUT_MARK = "…"


def _shortened(name: str) -> str:
    """`name` cut to MAX_NAME_LENGTH in the middle: the extension and the end of the stem are what
    the rules read (`案例名称+企业外景.jpg`), so they stay; the start stays for recognition."""
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    room = MAX_NAME_LENGTH - len(suffix) - len(NAME_CUT_MARK)
    # The last part after a “+” (企业外景, 实物图, 视频) whole when it fits in half the room.
    last_part = stem.rsplit("+", 1)[-1] if "+" in stem else ""
    tail_length = len(last_part) + 1 if last_part and len(last_part) + 1 <= room // 2 else room // 2
    head_length = room - tail_length
    return stem[:head_length] + NAME_CUT_MARK + stem[len(stem) - tail_length :] + suffix


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


# What the first bytes of a file with each extension must look like.
def _is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


SIGNATURES = {
    "jpg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "pdf": lambda head: head.startswith(b"%PDF-"),
    "docx": _is_zip,
    "pptx": _is_zip,
    "doc": lambda head: head.startswith(OLE_MAGIC),
    "ppt": lambda head: head.startswith(OLE_MAGIC),
    "mp4": lambda head: head[4:8] == b"ftyp",
}


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    size: int
    sha256: str


def check_received_file(uploaded, rule: SlotRule) -> CheckedFile:
    """The cheap checks before a file is stored: present, not empty, an accepted extension, content
    matching the extension. Raises UploadRejected with a Chinese message. The notice's rules proper
    run later in the worker (cases.checks)."""
    if uploaded is None:
        raise UploadRejected(_("Choose a file to upload."))
    extension = extension_of(uploaded.name or "")
    name = display_name(uploaded.name, fallback_extension=rule.extensions[0])
    accepted = "、".join(f".{extension}" for extension in rule.extensions)
    if extension not in rule.extensions:
        raise UploadRejected(
            _("“%(name)s” is not an accepted file type here: upload a %(accepted)s file.") % {"name": name, "accepted": accepted}
        )
    if not uploaded.size:
        raise UploadRejected(_("“%(name)s” is empty (0 bytes). Check the file on your computer and upload it again.") % {"name": name})
    uploaded.seek(0)
    head = uploaded.read(HEAD_BYTES)
    uploaded.seek(0)
    if not SIGNATURES[extension](head):
        raise UploadRejected(
            _("“%(name)s” is named .%(extension)s but its content is a %(content)s: renaming a file does not change its format. Save or export it as %(accepted)s in its program and upload that.")
            % {"name": name, "extension": extension, "content": describe_content(head), "accepted": accepted}
        )
    sha256 = getattr(uploaded, "sha256", "") or _sha256_of(uploaded)
    return CheckedFile(original_name=name, size=uploaded.size, sha256=sha256)


def _sha256_of(uploaded) -> str:
    """For files that did not come through SlotUploadHandler (e.g. a service called directly)."""
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks(CHUNK_SIZE):
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


# How the validation engine judges a PDF that staff upload (a stamped summary table, a city's work
# summary): readable, with pages, no password or restrictions: the rule of the enterprises' PDF
# slots. The seal itself is checked by the eyes of whoever receives it.
STAFF_PDF_KIND = "pdf_document"


def pdf_problems(uploaded) -> list[str]:
    """What the validation engine finds wrong with an uploaded PDF (not a PDF, damaged, encrypted,
    no pages), each with its fix, in the words the enterprises see for their PDFs. Empty: fine."""
    from cases.validation import ValidationContext, validate_file

    with tempfile.TemporaryDirectory(prefix="portal-pdf-") as folder:
        local = Path(folder) / "upload.pdf"
        with open(local, "wb") as copy:
            for chunk in uploaded.chunks():
                copy.write(chunk)
        uploaded.seek(0)
        findings = validate_file(local, STAFF_PDF_KIND, context=ValidationContext(), display_name=uploaded.name)
    return [join_sentences(finding.message, finding.fix) for finding in findings if finding.severity == "error"]


def join_sentences(*sentences: str) -> str:
    # Chinese sentences end in a full-width stop and follow each other without a space.
    text = ""
    for sentence in filter(None, sentences):
        text += sentence if not text or text.endswith(("。", "！", "？")) else f" {sentence}"
    return text
