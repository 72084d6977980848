"""What a file really is, judged by its first bytes rather than its extension."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_head(path: Path, size: int = 64) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def describe_content(head: bytes) -> str:
    """A short name for the real format of a file, from its first bytes ('PNG image', 'zip archive')."""
    if head.startswith(b"\xff\xd8\xff"):
        return _("JPEG image")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _("PNG image")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _("GIF image")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _("WebP image")
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return _("AVI video")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
            return _("HEIC image")
        if brand == b"qt  ":
            return _("QuickTime video")
        return _("MP4/ISO media")
    if head[:2] in (b"II", b"MM") and head[2:4] in (b"*\x00", b"\x00*"):
        return _("TIFF image")
    if head.startswith(b"BM"):
        return _("BMP image")
    if head.startswith(b"%PDF-"):
        return _("PDF document")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _("zip archive")
    if head.startswith(OLE_MAGIC):
        return _("legacy Office (OLE) file")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _("Matroska/WebM video")
    if head.startswith(b"{\\rtf"):
        return _("RTF document")
    if not head:
        return _("empty file")
    return _("unknown format")


def ole_stream_names(path: Path, *, max_bytes: int) -> set[str]:
    """Names of the directory entries of an OLE compound file (WordDocument, EncryptedPackage ...).

    Instead of following the FAT, this scans 128-byte-aligned slots for directory entries: each
    starts with a UTF-16LE name whose byte length (with the terminator) is stored at offset 64 and
    whose type byte at offset 66 is 1 (storage), 2 (stream) or 5 (root). Enough to tell a Word
    document from random bytes, without trusting LibreOffice, which "converts" anything.
    """
    names: set[str] = set()
    with path.open("rb") as handle:
        if handle.read(8) != OLE_MAGIC:
            return names
        handle.seek(0)
        offset = 0
        while offset < max_bytes:
            block = handle.read(1 << 20)
            if not block:
                break
            for start in range(0, len(block) - 127, 128):
                entry = block[start : start + 128]
                name_length = int.from_bytes(entry[64:66], "little")
                if not (2 <= name_length <= 64 and name_length % 2 == 0 and entry[66] in (1, 2, 5)):
                    continue
                raw = entry[: name_length - 2]
                if entry[name_length - 2 : name_length] != b"\x00\x00":
                    continue
                try:
                    name = raw.decode("utf-16-le")
                except UnicodeDecodeError:
                    continue
                if name.isprintable() and name.strip():
                    names.add(name)
            offset += len(block)
    return names
