"""The demo's cases: what each one is, and how an enterprise fills, uploads and submits it.

The files are made here and are real: camera-like JPEG photos above 2 MB, a conforming narrative
with those photos in it, an image-only scan with a red ring seal. Identical photo bytes are shared
by all demo cases (made once per process); every file still goes through store_upload and the
checks, and every case through submit_case, so each one passes exactly the checks a real one does.
"""

import io
import random
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from cases.checks import check_upload
from cases.documents.narrative_template import build_conforming_narrative
from cases.enums import CaseStatus, CaseType, OrganisationKind, UploadSlot
from cases.models import Campaign, Case, Enterprise, Organisation
from cases.services import store_upload, submit_case

PHOTO_SIZE = (1800, 1200)  # landscape 3:2; noisy content keeps a quality-95 JPEG above 2 MB
PHOTO_LABELS = {UploadSlot.PHOTO_EXTERIOR: "企业外景", UploadSlot.PHOTO_PRODUCT: "实物图", UploadSlot.PHOTO_SCENE: "场景图"}
AREA_CODES = {"阳泉市": "0353", "朔州市": "0349"}

PARK, OWN = OrganisationKind.PARK_ASSOCIATION, OrganisationKind.ENTERPRISE_ASSOCIATION
S = CaseStatus


@dataclass(frozen=True)
class DemoCase:
    """One demo case. `reaches` is how far it has got when the demo starts (make run): a draft,
    waiting for the association, the county or the city, or already at the province. `via` and
    `index` pick its enterprise: the index-th enterprise (by id) of the county that submits through
    a park association (PARK) or through its own enterprise association (OWN). `merit` steers the
    experts' scores (0–100) and `popularity` the public's votes."""

    title: str
    short_title: str
    case_type: str
    region: str
    county: str
    via: str
    index: int
    reaches: str
    offers_presenter: bool = False
    merit: int = 80
    popularity: int = 5


# 阳泉 is the demo accounts' city (quota 6 cases / 1 presenter): seven cases reach it, so the city
# chooses six. 朔州 (quota 6 / 1) has forwarded its list when the demo starts, so the province has
# work from the first minute. The first case is the demo enterprise's own draft.
DEMO_CASES = (
    DemoCase("高端装备智能焊接工艺创新", "智能焊接", CaseType.PROCESS, "阳泉市", "城区", PARK, 0, S.DRAFT),
    DemoCase("煤矸石综合利用新工艺", "煤矸石利用", CaseType.PROCESS, "阳泉市", "城区", PARK, 1, S.SUBMITTED),
    DemoCase("氢能重卡动力系统集成创新", "氢能重卡", CaseType.TECHNOLOGICAL, "阳泉市", "城区", PARK, 2, S.COUNTY_REVIEW),
    DemoCase("特钢连铸数字孪生技术创新", "数字孪生", CaseType.TECHNOLOGICAL, "阳泉市", "城区", PARK, 3, S.CITY_REVIEW,
             offers_presenter=True, merit=90, popularity=9),
    DemoCase("矿用智能巡检机器人研发与应用", "巡检机器人", CaseType.TECHNOLOGICAL, "阳泉市", "城区", PARK, 4, S.CITY_REVIEW,
             merit=84, popularity=7),
    DemoCase("铝矾土尾矿制备陶粒砂工艺创新", "陶粒砂", CaseType.PROCESS, "阳泉市", "城区", OWN, 0, S.CITY_REVIEW,
             merit=78, popularity=4),
    DemoCase("科研项目揭榜挂帅组织模式创新", "揭榜挂帅", CaseType.ORGANISATIONAL, "阳泉市", "城区", OWN, 1, S.CITY_REVIEW,
             offers_presenter=True, merit=81, popularity=6),
    DemoCase("煤层气低浓度瓦斯提纯技术创新", "瓦斯提纯", CaseType.TECHNOLOGICAL, "阳泉市", "盂县", PARK, 0, S.CITY_REVIEW,
             merit=87, popularity=8),
    DemoCase("光伏组件智能清扫系统创新", "智能清扫", CaseType.TECHNOLOGICAL, "阳泉市", "盂县", PARK, 1, S.CITY_REVIEW,
             merit=69, popularity=3),
    DemoCase("耐火材料窑炉余热回收工艺创新", "余热回收", CaseType.PROCESS, "阳泉市", "盂县", OWN, 0, S.CITY_REVIEW,
             merit=75, popularity=5),
    DemoCase("粉煤灰提取氧化铝工艺创新", "粉煤灰提铝", CaseType.PROCESS, "朔州市", "朔城区", PARK, 0, S.PROVINCE_REVIEW,
             offers_presenter=True, merit=88, popularity=10),
    DemoCase("乳制品低温杀菌工艺创新", "低温杀菌", CaseType.PROCESS, "朔州市", "朔城区", PARK, 1, S.PROVINCE_REVIEW,
             merit=76, popularity=8),
    DemoCase("陶瓷智能窑炉控制系统创新", "智能窑炉", CaseType.TECHNOLOGICAL, "朔州市", "朔城区", OWN, 0, S.PROVINCE_REVIEW,
             merit=80, popularity=4),
    DemoCase("风电叶片回收再利用技术创新", "叶片回收", CaseType.TECHNOLOGICAL, "朔州市", "怀仁市", PARK, 0, S.PROVINCE_REVIEW,
             merit=83, popularity=6),
    DemoCase("煤矸石陶瓷纤维制备技术创新", "陶瓷纤维", CaseType.TECHNOLOGICAL, "朔州市", "怀仁市", PARK, 1, S.PROVINCE_REVIEW,
             merit=72, popularity=3),
    DemoCase("班组微创新激励机制创新", "微创新", CaseType.ORGANISATIONAL, "朔州市", "怀仁市", OWN, 0, S.PROVINCE_REVIEW,
             offers_presenter=True, merit=79, popularity=5),
)
del S

# The tier each starting point means: a case goes through every tier below it.
ORDER = (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.COUNTY_REVIEW, CaseStatus.CITY_REVIEW, CaseStatus.PROVINCE_REVIEW)


def reached(spec: DemoCase, status: str) -> bool:
    """Whether the case gets at least as far as `status` when the demo starts."""
    return ORDER.index(spec.reaches) >= ORDER.index(status)


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


# Stand-ins for the title and unit in the narrative made once; every case gets a copy with its own.
TITLE_MARK, UNIT_MARK = "DEMO-NARRATIVE-TITLE", "DEMO-NARRATIVE-UNIT"


@lru_cache(maxsize=1)
def _narrative_model() -> bytes:
    photos = [camera_photo(seed) for seed, _slot in enumerate(PHOTO_LABELS, start=1)]
    return build_conforming_narrative(title=TITLE_MARK, unit_name=UNIT_MARK, photos=photos)


def narrative(title: str, unit_name: str) -> bytes:
    """build_conforming_narrative(title, unit_name, the demo photos), made from one model copy:
    deflating 7 MB of photos for every case was most of the demo's seeding time, so the photos are
    copied as they are (stored; a JPEG does not compress anyway) and only the XML is rewritten."""
    swaps = ((TITLE_MARK.encode(), escape(title).encode()), (UNIT_MARK.encode(), escape(unit_name).encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_narrative_model())) as model, zipfile.ZipFile(buffer, "w") as copy:
        for member in model.infolist():
            data = model.read(member)
            if member.filename.endswith((".xml", ".rels")):
                for mark, text in swaps:
                    data = data.replace(mark, text)
                copy.writestr(member.filename, data, compress_type=zipfile.ZIP_DEFLATED)
            else:
                copy.writestr(member.filename, data, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def scan_file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, stamped_scan(), content_type="application/pdf")


def enterprise_for(spec: DemoCase) -> Enterprise:
    """The enterprise of the spec's county and association kind at `index` (by id)."""
    county = Organisation.objects.get(kind=OrganisationKind.COUNTY, parent__region=spec.region, short_name=spec.county)
    return (
        Enterprise.objects.filter(association__parent=county, association__kind=spec.via)
        .select_related("association__parent__parent").order_by("id")[spec.index]
    )


def create_case(spec: DemoCase, *, campaign: Campaign, enterprise: Enterprise, member) -> Case:
    """The enterprise fills the 推荐表 and uploads its five files; the checks run here (not in a
    worker) because submission needs them done."""
    phone = f"{AREA_CODES[spec.region]}-{2021000 + enterprise.pk:07d}"
    case = Case.objects.create(
        campaign=campaign, enterprise=enterprise, title=spec.title, short_title=spec.short_title,
        case_type=spec.case_type, completing_unit=enterprise.name, team="张工、李工、王工",
        contact_name="王经理", contact_position="技术中心主任", contact_phone=phone,
        contact_address=f"山西省{spec.region}{spec.county}示范路{enterprise.pk}号",
        honours="省级企业技术中心；省级专精特新中小企业", enterprise_type=enterprise.enterprise_type,
        has_park_association=enterprise.has_park_association,
        has_enterprise_association=enterprise.has_enterprise_association,
        unit_short_name=enterprise.short_name, is_presenter_candidate=spec.offers_presenter,
    )
    photos = {slot: camera_photo(seed) for seed, slot in enumerate(PHOTO_LABELS, start=1)}
    files = [(UploadSlot.NARRATIVE, "案例概要.docx", narrative(spec.title, enterprise.name)),
             (UploadSlot.FORM_SCAN, "推荐表盖章扫描版.pdf", stamped_scan())]
    files += [(slot, f"{spec.title}+{PHOTO_LABELS[slot]}.jpg", data) for slot, data in photos.items()]
    for slot, name, data in files:
        upload = store_upload(case=case, actor=member, slot=slot, uploaded_file=SimpleUploadedFile(name, data))
        check_upload(upload.pk)
    return case


def submit(case: Case, *, member) -> Case:
    return submit_case(case=case, actor=member)
