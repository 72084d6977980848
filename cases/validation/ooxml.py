"""Reading Office Open XML packages (.docx, .pptx) from untrusted uploads.

A package is a zip, so everything the zip safety rules of the `package` kind know applies in small:
member count, declared and real sizes are capped before anything is inflated. XML is parsed by lxml
with entity resolution, DTD loading and network access off, and a DOCTYPE is refused outright:
Office never writes one, so its presence means a crafted file (billion laughs, external entities).
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from cases.validation.findings import FileProblem, technical
from cases.validation.limits import ValidationLimits
from cases.validation.units import describe_bytes

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "v": "urn:schemas-microsoft-com:vml",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def qn(prefixed: str) -> str:
    """'w:p' → '{namespace}p'."""
    prefix, local = prefixed.split(":")
    return f"{{{NS[prefix]}}}{local}"


class UnreadablePackage(FileProblem):
    """The file is not a usable OOXML package; `reason` says why (shown as `found`), `detail` what
    the parser said or which part (shown as 技术信息)."""


_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def parse_xml(data: bytes) -> etree._Element:
    head = data[:2048].lstrip()
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in data[:65536].upper():
        raise UnreadablePackage(_("it contains XML with a DOCTYPE or entity declarations"))
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise UnreadablePackage(_("its content (XML) is damaged"), technical(error)) from error


XML_PART_SUFFIXES = (".xml", ".rels", ".vml")


def guard_members(infos: list[zipfile.ZipInfo], limits: ValidationLimits) -> None:
    """Refuse a package that a reader loading every part (python-docx, openpyxl, LibreOffice) could
    not open in bounded memory, judged from the zip's directory alone, before anything is inflated:
    an XML part declared larger than `max_xml_part_bytes`, or a member compressed more than
    `zip_max_member_ratio`:1 (the caps of the `package` kind). The standard library's zipfile never
    inflates a member beyond its declared size, so the declared sizes bound what python-docx reads.
    Every check and every document built from an upload goes through this (cases.documents.confined)."""
    for info in infos:
        if info.filename.lower().endswith(XML_PART_SUFFIXES) and info.file_size > limits.max_xml_part_bytes:
            raise UnreadablePackage(_("the part %(name)s is larger than %(limit)s") % {
                "name": info.filename, "limit": describe_bytes(limits.max_xml_part_bytes)})
        if info.file_size > limits.zip_ratio_floor_bytes and (
            info.compress_size == 0 or info.file_size / info.compress_size > limits.zip_max_member_ratio
        ):
            raise UnreadablePackage(_("the part %(name)s is compressed more than %(ratio)s:1 (%(size)s when unpacked, a zip bomb)") % {
                "name": info.filename, "ratio": limits.zip_max_member_ratio, "size": describe_bytes(info.file_size)})


class OoxmlPackage:
    """A read-only view of an OOXML zip with size caps on every member read."""

    def __init__(self, path: Path, limits: ValidationLimits):
        self._limits = limits
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise UnreadablePackage(_("it is not a zip-based Office file"), technical(error)) from error
        infos = self._zip.infolist()
        if len(infos) > limits.max_ooxml_members:
            raise UnreadablePackage(_("it has %(count)s parts, more than %(limit)s") % {"count": len(infos), "limit": limits.max_ooxml_members})
        self._infos = {info.filename: info for info in infos}
        for info in infos:
            if info.flag_bits & 0x1:
                raise UnreadablePackage(_("it holds encrypted parts"))
        guard_members(infos, limits)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> OoxmlPackage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def has(self, name: str) -> bool:
        return name in self._infos

    def size(self, name: str) -> int | None:
        info = self._infos.get(name)
        return info.file_size if info else None

    def read(self, name: str, *, limit: int | None = None) -> bytes:
        """Member bytes, refusing members larger than `limit` (declared or real)."""
        cap = limit if limit is not None else self._limits.max_xml_part_bytes
        info = self._infos.get(name)
        if info is None:
            raise UnreadablePackage(_("a part of the document is missing"), name)
        if info.file_size > cap:
            raise UnreadablePackage(_("a part of the document is larger than %(limit)s") % {"limit": describe_bytes(cap)}, name)
        try:
            with self._zip.open(info) as member:
                data = member.read(cap + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError, NotImplementedError) as error:
            raise UnreadablePackage(_("a part of the document is damaged"), f"{name}: {technical(error)}") from error
        if len(data) > cap:
            raise UnreadablePackage(_("a part of the document is larger than %(limit)s") % {"limit": describe_bytes(cap)}, name)
        return data

    def xml(self, name: str) -> etree._Element:
        return parse_xml(self.read(name))

    def optional_xml(self, name: str) -> etree._Element | None:
        return self.xml(name) if self.has(name) else None

    def relationships(self, part_name: str) -> dict[str, tuple[str, bool]]:
        """rId → (target part name, external?) for the relationships of `part_name`."""
        folder, file_name = posixpath.split(part_name)
        rels_name = posixpath.join(folder, "_rels", f"{file_name}.rels")
        if not self.has(rels_name):
            return {}
        targets: dict[str, tuple[str, bool]] = {}
        for relationship in self.xml(rels_name).iter(qn("rel:Relationship")):
            target = relationship.get("Target", "")
            external = relationship.get("TargetMode") == "External"
            if not external:
                target = posixpath.normpath(posixpath.join(folder, target)).lstrip("/")
            targets[relationship.get("Id", "")] = (target, external)
        return targets

    def main_part(self, relationship_suffix: str = "/officeDocument") -> str:
        """The target of the package's officeDocument relationship (word/document.xml usually)."""
        for relationship in self.xml("_rels/.rels").iter(qn("rel:Relationship")) if self.has("_rels/.rels") else ():
            if relationship.get("Type", "").endswith(relationship_suffix):
                return relationship.get("Target", "").lstrip("/")
        raise UnreadablePackage(_("it has no main document part"))
