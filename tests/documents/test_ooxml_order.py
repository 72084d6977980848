"""Word opens a file only if property elements come in schema order; check every generated part."""

import io
import zipfile

import pytest
from lxml import etree

from cases.documents.cover import build_paper_checklist, build_proof_cover
from cases.documents.recommendation_form import build_blank_form, build_filled_form
from tests.documents.conftest import narrative_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# ECMA-376 Part 1 (transitional) sequences of the property elements we write.
SCHEMA_ORDER = {
    "pPr": (
        "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
        "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
        "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
        "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
    ),
    "rPr": (
        "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
        "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl "
        "cs em lang eastAsianLayout specVanish oMath"
    ),
    "tblPr": (
        "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
        "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription tblPrChange"
    ),
    "trPr": "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader tblCellSpacing jc hidden",
    "tcPr": (
        "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark"
    ),
    "tcBorders": "top left start bottom right end insideH insideV tl2br tr2bl",
    "tblBorders": "top left start bottom right end insideH insideV",
    "sectPr": (
        "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType "
        "pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid printerSettings"
    ),
}


def out_of_order(xml: bytes) -> list[str]:
    problems = []
    root = etree.fromstring(xml)
    for parent_name, sequence in SCHEMA_ORDER.items():
        rank = {name: index for index, name in enumerate(sequence.split())}
        for parent in root.iter(f"{W}{parent_name}"):
            names = [etree.QName(child).localname for child in parent if etree.QName(child).namespace == W[1:-1]]
            # headerReference and footerReference may interleave; everything else is strict.
            ranks = [rank.get(name, -1) for name in names]
            if -1 in ranks or ranks != sorted(ranks):
                problems.append(f"{parent_name}: {names}")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["blank", "filled", "merged", "cover", "checklist"])
def test_generated_documents_keep_schema_order(case, which):
    build = {
        "blank": lambda: build_blank_form(case.campaign),
        "filled": lambda: build_filled_form(case, narrative=None),
        "merged": lambda: build_filled_form(case, narrative=narrative_docx()),
        "cover": lambda: build_proof_cover(case),
        "checklist": lambda: build_paper_checklist(case),
    }[which]

    with zipfile.ZipFile(io.BytesIO(build())) as package:
        parts = {name: package.read(name) for name in ("word/document.xml", "word/styles.xml")}

    assert {name: out_of_order(xml) for name, xml in parts.items()} == {
        "word/document.xml": [], "word/styles.xml": []
    }


def test_the_order_check_catches_a_misplaced_element():
    xml = (
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        b'<w:tbl><w:tr><w:trPr><w:trHeight w:val="1"/><w:cantSplit/></w:trPr></w:tr></w:tbl></w:body></w:document>'
    )

    assert out_of_order(xml) == ["trPr: ['trHeight', 'cantSplit']"]
