"""A Word document as the checks see it: paragraphs with their text, text runs and pictures.

Only what Word shows counts: deleted revisions (w:del), text in text boxes and the duplicate
fallback copies inside mc:AlternateContent are skipped. Pictures are counted as drawings in the
text (wp:inline / wp:anchor holding a pic:pic, or a VML v:imagedata), not as files under
word/media, which may hold unused or shared images.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from cases.validation.limits import ValidationLimits
from cases.validation.ooxml import OoxmlPackage, UnreadablePackage, qn
from cases.validation.styles import DocumentFormatting

_SKIPPED_CONTAINERS = {qn("mc:Fallback"), qn("w:del"), qn("w:moveFrom"), qn("w:txbxContent")}
_W10_WRAP = "{urn:schemas-microsoft-com:office:word}wrap"
PICTURE_URI = "http://schemas.openxmlformats.org/drawingml/2006/picture"


@dataclass(frozen=True)
class Picture:
    """One picture drawn in a paragraph. `wrap` is 'inline' or the anchor's wrap element name
    ('topAndBottom', 'square', 'tight', 'through', 'none', 'behind'); `size` the image part's bytes
    (None for a linked, not embedded, picture)."""

    wrap: str
    size: int | None
    target: str


@dataclass
class Paragraph:
    element: etree._Element
    text: str
    runs: list[tuple[etree._Element, str]] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())


class WordDocument:
    """The main story of a .docx, its formatting, and access to its parts' sizes."""

    def __init__(self, package: OoxmlPackage):
        self.package = package
        self.main_part = package.main_part()
        if not self.main_part.endswith(".xml"):
            raise UnreadablePackage(_("it is not a Word document"))
        root = package.xml(self.main_part)
        self.body = root.find(qn("w:body"))
        if root.tag != qn("w:document") or self.body is None:
            raise UnreadablePackage(_("it is not a Word document"))
        folder = self.main_part.rsplit("/", 1)[0]
        self.relationships = package.relationships(self.main_part)
        part_by_type = {target.rsplit("/", 1)[-1]: target for target, external in self.relationships.values() if not external}
        self.formatting = DocumentFormatting(
            styles=package.optional_xml(part_by_type.get("styles.xml", f"{folder}/styles.xml")),
            theme=_first_theme(package, self.relationships),
            font_table=package.optional_xml(part_by_type.get("fontTable.xml", f"{folder}/fontTable.xml")),
        )

    def paragraph(self, element: etree._Element) -> Paragraph:
        paragraph = Paragraph(element=element, text="")
        pieces: list[str] = []
        for node in element.iter(qn("w:r"), qn("w:drawing"), qn("w:pict")):
            if is_hidden(node, element):
                continue
            if node.tag == qn("w:r"):
                run_text = _run_text(node)
                if run_text:
                    paragraph.runs.append((node, run_text))
                    pieces.append(run_text)
            else:
                picture = self._picture(node)
                if picture is not None:
                    paragraph.pictures.append(picture)
        paragraph.text = "".join(pieces)
        return paragraph

    def _picture(self, node: etree._Element) -> Picture | None:
        if node.tag == qn("w:drawing"):
            holder = node.find(qn("wp:inline"))
            wrap = "inline"
            if holder is None:
                holder = node.find(qn("wp:anchor"))
                if holder is None:
                    return None
                wrap = _anchor_wrap(holder)
            data = holder.find(f"{qn('a:graphic')}/{qn('a:graphicData')}")
            if data is None or data.get("uri") != PICTURE_URI:
                return None  # a chart, shape or SmartArt, not a photo
            blip = next(data.iter(qn("a:blip")), None)
            embed = None if blip is None else blip.get(qn("r:embed"))
            link = None if blip is None else blip.get(qn("r:link"))
            return self._resolve_picture(wrap, embed or link)
        image = next(node.iter(qn("v:imagedata")), None)
        if image is None:
            return None
        shape = image.getparent()
        style = (shape.get("style") or "").replace(" ", "").lower()
        wrap_element = next(shape.iter(_W10_WRAP), None)
        if "position:absolute" in style:
            wrap = {"topAndBottom": "topAndBottom", "square": "square", "tight": "tight", "through": "through"}.get(
                wrap_element.get("type") if wrap_element is not None else "", "none"
            )
        else:
            wrap = "inline"
        return self._resolve_picture(wrap, image.get(qn("r:id")))

    def _resolve_picture(self, wrap: str, relationship_id: str | None) -> Picture:
        target, external = self.relationships.get(relationship_id or "", ("", True))
        size = None if external or not target else self.package.size(target)
        return Picture(wrap=wrap, size=size, target=target)


def open_word_document(path: Path, limits: ValidationLimits) -> WordDocument:
    """Open a .docx; raises UnreadablePackage with a reason the user can read."""
    package = OoxmlPackage(path, limits)
    try:
        if not package.has("[Content_Types].xml"):
            raise UnreadablePackage(_("it is not an Office document"))
        return WordDocument(package)
    except Exception:
        package.close()
        raise


def block_items(container: etree._Element) -> list[etree._Element]:
    """w:p and w:tbl children in order, looking through block-level content controls (w:sdt)."""
    items: list[etree._Element] = []
    for child in container:
        if child.tag in (qn("w:p"), qn("w:tbl")):
            items.append(child)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                items.extend(block_items(content))
        elif child.tag == qn("mc:AlternateContent"):
            choice = child.find(qn("mc:Choice"))
            if choice is not None:
                items.extend(block_items(choice))
    return items


def cell_text(cell: etree._Element) -> str:
    return "".join(node.text or "" for node in cell.iter(qn("w:t")) if not is_hidden(node, cell))


def is_hidden(node: etree._Element, stop: etree._Element) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in _SKIPPED_CONTAINERS:
            return True
        parent = parent.getparent()
    return False


def _run_text(run: etree._Element) -> str:
    pieces: list[str] = []
    for child in run:
        tag = child.tag
        if tag == qn("w:t"):
            pieces.append(child.text or "")
        elif tag in (qn("w:tab"), qn("w:br"), qn("w:cr")):
            pieces.append(" ")
        elif tag == qn("w:noBreakHyphen"):
            pieces.append("-")
        elif tag == qn("w:sym"):
            pieces.append("□")
    return "".join(pieces)


def _anchor_wrap(anchor: etree._Element) -> str:
    for child in anchor:
        local = etree.QName(child).localname
        if local == "wrapNone":
            return "behind" if anchor.get("behindDoc") in ("1", "true") else "none"
        if local.startswith("wrap"):
            return local[4].lower() + local[5:]
    return "none"


def _first_theme(package: OoxmlPackage, relationships: dict[str, tuple[str, bool]]) -> etree._Element | None:
    for target, external in relationships.values():
        if not external and "/theme/" in f"/{target}" and package.has(target):
            return package.xml(target)
    return None


__all__ = ["Paragraph", "Picture", "WordDocument", "block_items", "cell_text", "is_hidden", "open_word_document"]
