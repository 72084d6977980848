"""Data for the generated-document tests: a Taiyuan enterprise under a park association, its case,
uploads saved through Django's default storage, and a narrative .docx with styles, numbering, an
image and a header."""

import hashlib
import io
import random

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from PIL import Image

from cases.credit_code import check_character
from cases.enums import CaseType, EnterpriseType, OrganisationKind
from cases.models import Campaign, Case, Enterprise, Organisation, Upload

UNIT_NAME = "山西美锦能源股份有限公司"
CASE_TITLE = "基于数字孪生的智能焦化工艺创新案例"
NARRATIVE_TITLE = "数字孪生点亮焦炉"
NARRATIVE_BODY = "公司始建于1981年，是全国最大的独立焦化企业之一。"
NARRATIVE_LIST = ("攻克焦炉温度场建模难题", "建成全流程数字孪生平台")
NARRATIVE_HEADER = "案例概要页眉"


def jpeg_bytes(width: int = 300, height: int = 200, *, seed: int = 1) -> bytes:
    """A real, colourful JPEG (noise, so every seed gives different bytes)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), bytes(rng.getrandbits(8) for _ in range(width * height * 3)))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def pdf_bytes(size: int = 2000, *, seed: int = 1) -> bytes:
    """PDF-looking bytes of exactly `size` bytes (the package copies, it does not parse)."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    tail = b"\n%%EOF\n"
    body = random.Random(seed).randbytes(size - len(head) - len(tail))
    return head + body + tail


def narrative_docx(image: bytes | None = None) -> bytes:
    """A narrative as the notice asks: 标题1 三号黑体, subtitle, body 四号宋体 fixed 22 pt with a
    2-character first-line indent, a numbered list, one picture, a page header, 3 cm margins."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(22)
    normal.paragraph_format.first_line_indent = Pt(28)
    heading = document.styles["Heading 1"]
    heading.font.size = Pt(16)
    heading.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
    subtitle = document.styles.add_style("案例副标题", WD_STYLE_TYPE.PARAGRAPH)
    subtitle.font.size = Pt(16)
    subtitle.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "楷体")

    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(3)
    section.header.paragraphs[0].text = NARRATIVE_HEADER

    document.add_paragraph(NARRATIVE_TITLE, style="Heading 1")
    document.add_paragraph(UNIT_NAME, style="案例副标题")
    document.add_paragraph(NARRATIVE_BODY)
    document.add_picture(io.BytesIO(image or jpeg_bytes(seed=99)), width=Cm(12))
    for item in NARRATIVE_LIST:
        document.add_paragraph(item, style="List Number")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def valid_credit_code(serial: int) -> str:
    first = f"91140100{serial:09d}"
    return first + check_character(first)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def campaign():
    return Campaign.objects.get(year=2024)


@pytest.fixture
def city():
    return Organisation.objects.get(kind=OrganisationKind.CITY, region="太原市")


@pytest.fixture
def county(city):
    return Organisation.objects.create(kind=OrganisationKind.COUNTY, parent=city, name="小店区科学技术协会", region="小店区")


@pytest.fixture
def park(county):
    return Organisation.objects.create(
        kind=OrganisationKind.PARK_ASSOCIATION, parent=county, name="示范园区科学技术协会", region="小店区"
    )


@pytest.fixture
def enterprise(park):
    return Enterprise.objects.create(
        name=UNIT_NAME, credit_code=valid_credit_code(4242), enterprise_type=EnterpriseType.PRIVATE_TOP_500,
        association=park, has_park_association=True,
    )


@pytest.fixture
def case(campaign, enterprise):
    return Case.objects.create(
        campaign=campaign, enterprise=enterprise, title=CASE_TITLE, case_type=CaseType.TECHNOLOGICAL,
        completing_unit=UNIT_NAME, team="张三、李四\n王五（青年突击队）", contact_name="张三",
        contact_position="总工程师", contact_phone="0351-1234567", contact_address="山西省太原市小店区示例路1号",
        honours="2023年山西省科学技术进步奖一等奖\n国家级专精特新“小巨人”企业", recommender_opinion="同意推荐。",
        city_opinion="", remarks="无",
    )


@pytest.fixture
def make_upload():
    """Save bytes through the default storage as an Upload of `case` in `slot`."""

    def make(case, slot, data: bytes, original_name: str, *, superseded: bool = False) -> Upload:
        upload = Upload(
            case=case, slot=slot, original_name=original_name, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), superseded_at=timezone.now() if superseded else None,
        )
        upload.file.save(original_name, ContentFile(data), save=False)
        upload.save()
        return upload

    return make
