"""Demo cases with real files, one waiting at each tier, so every demo login finds work.

The files are made here (camera-like JPEG photos above 2 MB, a conforming narrative, an image-only
scan with a red ring seal); identical bytes are shared by the demo cases, so the workers check each
file once. Everything moves through the real services and the transition function.
"""

import io
import random
from functools import lru_cache

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from cases.documents.narrative_template import build_conforming_narrative
from cases.enums import CaseStatus, CaseType, Role, UploadSlot
from cases.models import Campaign, Case, Enterprise, Membership, Organisation
from cases.services import create_user, grant_role, store_upload, submit_case
from cases.workflow import transition_case

# (title, short title, where it waits); the first is the demo enterprise's own draft.
DEMO_CASES = [
    ("高端装备智能焊接工艺创新", "智能焊接", CaseStatus.DRAFT),
    ("煤矸石综合利用新工艺", "煤矸石利用", CaseStatus.SUBMITTED),
    ("氢能重卡动力系统集成创新", "氢能重卡", CaseStatus.COUNTY_REVIEW),
    ("特钢连铸数字孪生技术创新", "数字孪生", CaseStatus.CITY_REVIEW),
]
PHOTO_SIZE = (1800, 1200)  # landscape 3:2; noisy content keeps a quality-95 JPEG above 2 MB


@lru_cache(maxsize=4)
def camera_photo(seed: int) -> bytes:
    generator = random.Random(seed)
    width, height = PHOTO_SIZE
    image = Image.frombytes("RGB", PHOTO_SIZE, generator.randbytes(width * height * 3))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS R6"  # Make, Model: an original camera photo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


@lru_cache(maxsize=1)
def stamped_scan() -> bytes:
    """An A4 page image with a red ring seal, saved as an image-only PDF (what a scanner makes)."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    for line in range(12):
        draw.rectangle((150, 200 + line * 90, 1090, 215 + line * 90), fill=(60, 60, 60))
    draw.ellipse((820, 1300, 1120, 1600), outline=(220, 30, 30), width=18)
    draw.regular_polygon((970, 1450, 50), 5, fill=(220, 30, 30))
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


def _file(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _actor(role: str, **where):
    membership = Membership.objects.filter(role=role, **where).select_related("user").first()
    return membership.user if membership else None


def _enterprise_account(enterprise: Enterprise):
    """A login for a demo enterprise other than the one shown on the sign-in page."""
    from portal.demo import DEMO_PASSWORD

    user = create_user(username=f"qiye-{enterprise.pk}", password=DEMO_PASSWORD, full_name=f"{enterprise.short_name}联系人")
    grant_role(user=user, role=Role.ENTERPRISE_USER, enterprise=enterprise)
    return user


def seed_demo_cases(*, park: Organisation) -> None:
    """Create the demo cases that do not exist yet (idempotent by title within the campaign)."""
    campaign = Campaign.objects.current()
    enterprises = list(Enterprise.objects.filter(association=park).order_by("id")[: len(DEMO_CASES)])
    staff = {
        Role.ASSOCIATION_STAFF: _actor(Role.ASSOCIATION_STAFF, organisation=park),
        Role.COUNTY_STAFF: _actor(Role.COUNTY_STAFF, organisation=park.parent),
    }
    photos = {UploadSlot.PHOTO_EXTERIOR: camera_photo(1), UploadSlot.PHOTO_PRODUCT: camera_photo(2),
              UploadSlot.PHOTO_SCENE: camera_photo(3)}
    labels = {UploadSlot.PHOTO_EXTERIOR: "企业外景", UploadSlot.PHOTO_PRODUCT: "实物图", UploadSlot.PHOTO_SCENE: "场景图"}
    for enterprise, (title, short_title, target) in zip(enterprises, DEMO_CASES):
        if Case.objects.filter(campaign=campaign, title=title).exists():
            continue
        case = Case.objects.create(
            campaign=campaign, enterprise=enterprise, title=title, short_title=short_title,
            case_type=CaseType.PROCESS if "工艺" in title else CaseType.TECHNOLOGICAL,
            completing_unit=enterprise.name, team="张工、李工、王工", contact_name="王经理", contact_position="技术中心主任",
            contact_phone="0351-7333497", contact_address="山西省太原市小店区示范路1号",
            enterprise_type=enterprise.enterprise_type, has_park_association=enterprise.has_park_association,
            has_enterprise_association=enterprise.has_enterprise_association, unit_short_name=enterprise.short_name,
        )
        member = _actor(Role.ENTERPRISE_USER, enterprise=enterprise) or _enterprise_account(enterprise)
        narrative = build_conforming_narrative(title=title, unit_name=enterprise.name, photos=list(photos.values()))
        store_upload(case=case, actor=member, slot=UploadSlot.NARRATIVE, uploaded_file=_file(narrative, "案例概要.docx"))
        store_upload(case=case, actor=member, slot=UploadSlot.FORM_SCAN, uploaded_file=_file(stamped_scan(), "推荐表盖章扫描版.pdf"))
        for slot, data in photos.items():
            store_upload(case=case, actor=member, slot=slot, uploaded_file=_file(data, f"{title}+{labels[slot]}.jpg"))
        _advance(case, target, member=member, staff=staff)


def _advance(case: Case, target: str, *, member, staff) -> None:
    if target == CaseStatus.DRAFT:
        return
    from cases.checks import check_upload

    for upload in case.uploads.all():  # submission needs the checks done; run them here, not in a worker
        check_upload(upload.pk)
    submit_case(case=case, actor=member, now=timezone.now())
    steps = {
        CaseStatus.COUNTY_REVIEW: [(CaseStatus.ASSOCIATION_RECOMMENDED, Role.ASSOCIATION_STAFF), (CaseStatus.COUNTY_REVIEW, Role.ASSOCIATION_STAFF)],
        CaseStatus.CITY_REVIEW: [(CaseStatus.ASSOCIATION_RECOMMENDED, Role.ASSOCIATION_STAFF), (CaseStatus.COUNTY_REVIEW, Role.ASSOCIATION_STAFF),
                                 (CaseStatus.COUNTY_PASSED, Role.COUNTY_STAFF), (CaseStatus.CITY_REVIEW, Role.COUNTY_STAFF)],
    }.get(target, [])
    for status, role in steps:
        transition_case(case, to=status, actor=staff[role], reason="演示数据")
