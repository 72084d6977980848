"""PDF scans (`pdf_scan`: the stamped 推荐表, the signed 汇总表) and plain PDF documents
(`pdf_document`: 证明材料, which need only be readable and unprotected).

A scan is judged by what each page draws: one image covering most of the page. Text on the page
does not matter, since scanners add an invisible OCR text layer (text render mode 3). The seal
check looks at the largest image of each scanned page (see colour.py).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import ContentStream, DictionaryObject, StreamObject

from cases.validation import rules
from cases.validation.findings import WARNING, Finding, join_numbers, technical
from cases.validation.limits import ValidationContext
from cases.validation.colour import has_red_ring_seal
from cases.validation.sniff import describe_content, read_head

MAX_FORM_DEPTH = 3  # images nested in form XObjects (some scanners wrap the page image)
SEAL_DRAFT_SIZE = (1000, 1000)
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)
GRAY_MODES = ("1", "L", "LA", "I", "I;16")


@dataclass
class PageScan:
    """The largest image a page draws and the share of the page it covers."""

    coverage: float
    image: StreamObject | None


def validate_pdf(path: Path, kind: str, context: ValidationContext) -> list[Finding]:
    head = read_head(path, 1024)
    if b"%PDF-" not in head:
        return [rules.PDF_UNREADABLE.finding(found=_("the content is a %(format)s") % {"format": describe_content(head)})]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted:
                return [_encryption_finding(reader)]
            page_count = len(reader.pages)
    except (PdfReadError, PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        return [rules.PDF_UNREADABLE.finding(found=_("the file is damaged"), detail=technical(error))]
    if page_count == 0:
        return [rules.PDF_UNREADABLE.finding(found=_("it has no pages"))]
    active = sorted(set(_active_content(path)) | set(_catalog_actions(reader)))
    if active:
        labels = list(dict.fromkeys(str(ACTIVE_LABELS.get(name, ACTIVE_LABELS["AA"])) for name in active))
        return [rules.PDF_ACTIVE_CONTENT.finding(found=pgettext("separator between items in a list", ", ").join(labels),
                                                 detail=", ".join(active))]
    if kind != "pdf_scan":
        return []
    return _check_scan(reader, context)


# PDF name objects that make a reader run something or carry a file (ISO 32000: /JS and
# /JavaScript actions, /Launch, /OpenAction and /AA triggers with them, /EmbeddedFile streams).
ACTIVE_NAMES = {
    b"/JavaScript": "JavaScript", b"/JS": "JavaScript", b"/Launch": "Launch", b"/EmbeddedFile": "EmbeddedFile",
    b"/RichMedia": "RichMedia", b"/XFA": "XFA",
}
# What users read for each (the PDF names go into the finding's 技术信息).
ACTIVE_LABELS = {
    "JavaScript": gettext_lazy("scripts"), "Launch": gettext_lazy("actions that start programs"),
    "EmbeddedFile": gettext_lazy("attached files"), "RichMedia": gettext_lazy("embedded media"),
    "XFA": gettext_lazy("dynamic forms"), "AA": gettext_lazy("actions that run automatically"),
}
ACTIVE_NAME = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)(?![A-Za-z0-9])")


def _catalog_actions(reader: PdfReader) -> list[str]:
    """Active features the document catalog declares, also when its objects are compressed: an
    /OpenAction or /AA trigger, a /JavaScript name tree, embedded files."""
    found = []
    try:
        root = reader.trailer["/Root"].get_object()
        names = root.get("/Names")
        names = names.get_object() if names is not None else {}
        if "/JavaScript" in names:
            found.append("JavaScript")
        if "/EmbeddedFiles" in names:
            found.append("EmbeddedFile")
        for trigger in ("/OpenAction", "/AA"):
            action = root.get(trigger)
            action = action.get_object() if action is not None else None
            if hasattr(action, "get") and action.get("/S") in ("/JavaScript", "/Launch"):
                found.append(str(action.get("/S"))[1:])
            elif trigger == "/AA" and action:
                found.append("AA")
    except (PdfReadError, PyPdfError, KeyError, TypeError, AttributeError, ValueError, RecursionError):
        pass  # the byte scan below still looks
    return found


def _active_content(path: Path) -> list[str]:
    """Which active features the file's objects name. Read as bytes, a chunk at a time (overlapping
    so a name across a boundary is seen): names inside compressed object streams hide from this,
    which is why the rule is a tripwire for the usual attacks, not a proof of safety."""
    found: set[str] = set()
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            data = tail + chunk
            for match in ACTIVE_NAME.finditer(data):
                found.add(ACTIVE_NAMES[match.group(0)])
            tail = data[-32:]
    return sorted(found)


def _encryption_finding(reader: PdfReader) -> Finding:
    try:
        opens_without_password = bool(reader.decrypt(""))
    except Exception:  # e.g. AES without the cryptography package: treat as needing a password
        opens_without_password = False
    found = _("restrictions set by an owner password") if opens_without_password else _("a password is needed to open it")
    return rules.PDF_ENCRYPTED.finding(found=found)


def _check_scan(reader: PdfReader, context: ValidationContext) -> list[Finding]:
    limits = context.limits
    scans: dict[int, PageScan] = {}
    text_born: list[int] = []
    for number, page in enumerate(reader.pages[: limits.pdf_max_pages_checked], start=1):
        try:
            page_scan = _largest_image(page, reader)
        except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            page_scan = PageScan(0.0, None)
        if page_scan.coverage >= limits.scan_min_page_coverage:
            scans[number] = page_scan
        else:
            text_born.append(number)

    findings: list[Finding] = []
    if not scans:
        findings.append(rules.PDF_NOT_SCAN.finding(found=_("no page is a scanned image; it was made by a program")))
        return findings
    if text_born:
        pages = join_numbers(text_born)
        findings.append(
            rules.PDF_NOT_SCAN.finding(
                found=_("pages %(pages)s are not scanned images") % {"pages": pages},
                location=_("pages %(pages)s") % {"pages": pages},
                severity=WARNING,
            )
        )
    findings += _check_seal(scans)
    return findings


def _check_seal(scans: dict[int, PageScan]) -> list[Finding]:
    all_gray = True
    for page_scan in scans.values():
        image = _decode(page_scan.image)
        if image is None:
            continue
        # Judged by the scan's colour mode, not its content: a colour scan of a form without a seal
        # is nearly gray too, and deserves "no seal", not "scan in colour".
        if image.mode not in GRAY_MODES:
            all_gray = False
            if has_red_ring_seal(image.convert("RGB")):
                return []
    if all_gray:
        return [rules.PDF_NO_SEAL.finding(found=_("the scan is black and white, so a red seal cannot be seen"))]
    return [rules.PDF_NO_SEAL.finding(found=_("no red round seal on %(count)s scanned page(s)") % {"count": len(scans)})]


def _decode(image_object: StreamObject | None) -> Image.Image | None:
    if image_object is None:
        return None
    try:
        filters = image_object.get("/Filter")
        if filters == "/DCTDecode" or (isinstance(filters, list) and list(filters) == ["/DCTDecode"]):
            # The stream is a JPEG: let Pillow decode it scaled down, which is much cheaper.
            image = Image.open(BytesIO(image_object.get_data()))
            image.draft("RGB", SEAL_DRAFT_SIZE)
        else:
            image = image_object.decode_as_image()
        image.load()
        return image
    except Exception:  # any decoder failure only means the seal cannot be judged on this page
        return None


def _largest_image(page: DictionaryObject, reader: PdfReader) -> PageScan:
    box = page.mediabox
    page_area = abs(float(box.width) * float(box.height)) or 1.0
    contents = page.get_contents()
    if contents is None:
        return PageScan(0.0, None)
    best = PageScan(0.0, None)
    for area, image in _drawn_images(contents, page.get("/Resources"), IDENTITY, reader, depth=0):
        coverage = min(area / page_area, 1.0)
        if coverage > best.coverage:
            best = PageScan(coverage, image)
    return best


def _drawn_images(contents: ContentStream, resources, matrix: Matrix, reader: PdfReader, depth: int):
    """(area in page units, image XObject) for each image the content stream paints."""
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject", {})
    xobjects = xobjects.get_object() if hasattr(xobjects, "get_object") else xobjects
    stack: list[Matrix] = []
    current = matrix
    for operands, operator in contents.operations:
        if operator == b"q":
            stack.append(current)
        elif operator == b"Q":
            current = stack.pop() if stack else matrix
        elif operator == b"cm" and len(operands) == 6:
            current = _multiply(tuple(float(value) for value in operands), current)
        elif operator == b"INLINE IMAGE":
            yield _area(current), None
        elif operator == b"Do" and operands:
            xobject = xobjects.get(operands[0]) if hasattr(xobjects, "get") else None
            xobject = xobject.get_object() if xobject is not None else None
            if xobject is None:
                continue
            subtype = xobject.get("/Subtype")
            if subtype == "/Image":
                yield _area(current), xobject
            elif subtype == "/Form" and depth < MAX_FORM_DEPTH:
                form_matrix = tuple(float(value) for value in xobject.get("/Matrix", IDENTITY))
                inner = ContentStream(xobject, reader)
                yield from _drawn_images(inner, xobject.get("/Resources", resources), _multiply(form_matrix, current), reader, depth + 1)


def _multiply(first: Matrix, second: Matrix) -> Matrix:
    a, b, c, d, e, f = first
    a2, b2, c2, d2, e2, f2 = second
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2, e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _area(matrix: Matrix) -> float:
    """Area of the unit square (where images are painted) under `matrix`."""
    a, b, c, d, _e, _f = matrix
    return abs(a * d - b * c)
