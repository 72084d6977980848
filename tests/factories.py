"""Small builders for test data. Each returns a saved object with sensible defaults."""

import itertools

from django.contrib.auth import get_user_model

from cases.credit_code import check_character
from cases.enums import CaseStatus, CaseType, EnterpriseType, OrganisationKind, Role
from cases.models import Campaign, Case, Enterprise, Organisation
from cases.services import grant_role

_serial = itertools.count(1)
PASSWORD = "Test-password-2024"


def city(region: str = "太原市") -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.CITY, region=region)


def province() -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.PROVINCE)


def organisation(kind: str, parent: Organisation, name: str | None = None) -> Organisation:
    name = name or f"测试{OrganisationKind(kind).label}{next(_serial)}"
    return Organisation.objects.create(kind=kind, parent=parent, name=name, region=name[:6])


def county(parent: Organisation | None = None, name: str | None = None) -> Organisation:
    return organisation(OrganisationKind.COUNTY, parent or city(), name)


def park(parent: Organisation | None = None, name: str | None = None) -> Organisation:
    return organisation(OrganisationKind.PARK_ASSOCIATION, parent or county(), name)


def credit_code() -> str:
    first = f"91140100{next(_serial):09d}"
    return first + check_character(first)


def enterprise(association: Organisation | None = None, name: str | None = None, **fields) -> Enterprise:
    association = association or park()
    defaults = {
        "name": name or f"测试企业{next(_serial)}有限公司",
        "credit_code": credit_code(),
        "enterprise_type": EnterpriseType.HIGH_TECH,
        "has_park_association": association.kind == OrganisationKind.PARK_ASSOCIATION,
        "has_enterprise_association": association.kind == OrganisationKind.ENTERPRISE_ASSOCIATION,
    }
    defaults.update(fields)
    return Enterprise.objects.create(association=association, **defaults)


def case(enterprise_: Enterprise | None = None, status: str = CaseStatus.DRAFT, title: str | None = None, **fields) -> Case:
    enterprise_ = enterprise_ or enterprise()
    return Case.objects.create(
        campaign=Campaign.objects.current(), enterprise=enterprise_, status=status,
        title=title or f"测试案例{next(_serial)}", case_type=CaseType.TECHNOLOGICAL, **fields,
    )


def user(role: str, *, organisation_: Organisation | None = None, enterprise_: Enterprise | None = None,
         username: str | None = None):
    account = get_user_model().objects.create_user(
        username=username or f"user{next(_serial)}", password=PASSWORD, first_name="测试用户"
    )
    if role == Role.ENTERPRISE_USER:
        grant_role(user=account, role=role, enterprise=enterprise_)
    else:
        grant_role(user=account, role=role, organisation=organisation_)
    return account


# --- the enterprise's case pages (submission issue) -------------------------------------------

def freeze_now(monkeypatch, moment):
    """Make django.utils.timezone.now() return `moment` everywhere (views, services, auto_now)."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def jpeg_bytes(width: int = 120, height: int = 80, *, color=(200, 60, 40)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes(text: str = "证明材料") -> bytes:
    """A real one-page PDF (pypdf)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bytes(*paragraphs: str) -> bytes:
    """A real Word .docx (python-docx) with the given paragraphs."""
    import io

    from docx import Document

    document = Document()
    for text in paragraphs or ("案例概要",):
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(case_: Case, slot: str, data: bytes, original_name: str, *, state: str = "done",
           findings: list | None = None, superseded: bool = False):
    """An Upload row with its bytes saved through the default storage (check state given, not run)."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from cases.models import Upload

    row = Upload(
        case=case_, slot=slot, original_name=original_name, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        validation_state=state, findings=findings or [], superseded_at=timezone.now() if superseded else None,
    )
    row.file.save(original_name, ContentFile(data), save=False)
    row.save()
    return row


def complete_case(enterprise_: Enterprise | None = None, **fields) -> Case:
    """A draft with every required field filled and every required slot holding a checked file."""
    from cases.enums import UploadSlot

    values = {
        "completing_unit": "测试企业有限公司", "team": "张三、李四", "contact_name": "张三", "contact_position": "总工程师",
        "contact_phone": "0351-7333497", "contact_address": "山西省太原市小店区示例路1号",
    }
    values.update(fields)
    created = case(enterprise_, **values)
    upload(created, UploadSlot.NARRATIVE, docx_bytes("案例概要正文"), "案例概要.docx")
    upload(created, UploadSlot.FORM_SCAN, pdf_bytes(), "推荐表盖章扫描.pdf")
    for slot, name in ((UploadSlot.PHOTO_EXTERIOR, "企业外景"), (UploadSlot.PHOTO_PRODUCT, "实物图"), (UploadSlot.PHOTO_SCENE, "场景图")):
        upload(created, slot, jpeg_bytes(), f"{created.title}+{name}.jpg")
    return created
