"""Builders of the showcase tests: winners of a final provincial result with photos and a video."""

import datetime
import subprocess
import tempfile
from pathlib import Path

from django.utils import timezone

from cases.enums import CaseStatus, CaseType, Role, UploadSlot
from review.models import Certificate, Selection, SelectionEntry, SelectionState
from showcase import services
from tests import factories
from tests.review import review_world as world

STORY = ("山西示范科技有限公司围绕煤矸石综合利用，建成年处理百万吨的固废制砖生产线。" * 2 + "\n"
         "项目投产后每年减少固废堆存八十万吨，带动周边三百人就业。")


def final_selection(campaign=None) -> Selection:
    campaign = campaign or world.campaign()
    selection, _ = Selection.objects.get_or_create(campaign=campaign)
    selection.state, selection.finalised_at = SelectionState.FINAL, timezone.now()
    selection.save()
    return selection


def winner(region="太原市", title="煤矸石综合利用技术", *, rank=1, presenter=False, case_type=CaseType.TECHNOLOGICAL, **fields):
    """A WINNER of the current campaign's final result, with its enterprise user (case.enterprise_user)."""
    fields.setdefault("contact_name", "王联系")
    fields.setdefault("contact_phone", "13700001234")
    case = world.city_case(region, status=CaseStatus.WINNER, title=title,
                           completing_unit=f"{region[:2]}示范科技有限公司", **fields)
    case.case_type = case_type
    case.save(update_fields=["case_type"])
    selection = final_selection(case.campaign)
    SelectionEntry.objects.create(selection=selection, case=case, rank=rank, is_winner=True, is_presenter=presenter)
    Certificate.objects.create(case=case, campaign=case.campaign, number=f"SX{case.campaign.year}-{rank:03d}-TEST",
                               case_title=case.title, unit_name=case.completing_unit, issued_on=datetime.date.today())
    case.enterprise_user = factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)
    return case


def publish(case, *, staff=None, text=STORY):
    """The enterprise consents and sends its story; the province approves it."""
    staff = staff or world.province_staff()
    services.set_consent(case=case, actor=case.enterprise_user, given=True)
    services.submit_story(case=case, actor=case.enterprise_user, text=text)
    services.approve_story(case=case, actor=staff)
    return staff


def mp4_bytes(seconds: int = 4) -> bytes:
    """A small real H.264/AAC MP4 made by ffmpeg (test pattern and a tone)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "talk.mp4"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size=640x360:rate=25:duration={seconds}",
                        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(out)], check=True)
        return out.read_bytes()


def photo_bytes(width=3000, height=2000, seed=1) -> bytes:
    """A camera-like JPEG (noise over a gradient: compresses like a photo, not like a flat colour)
    with EXIF carrying a GPS position, as phones write it."""
    import io
    import random

    from PIL import Image

    rng = random.Random(seed)
    small = Image.new("RGB", (width // 8, height // 8))
    small.putdata([(x * 255 // (width // 8), y * 255 // (height // 8), rng.randrange(256))
                   for y in range(height // 8) for x in range(width // 8)])
    image = small.resize((width, height), Image.BILINEAR)
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.25)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (37.0, 52.0, 0.0), 3: "E", 4: (112.0, 33.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def add_photo(case, slot=UploadSlot.PHOTO_EXTERIOR, data=None):
    return world.add_upload(case, slot, data or world.jpeg_bytes(), name="photo.jpg")


def add_video(case, data=None):
    return world.add_upload(case, UploadSlot.VIDEO, data or mp4_bytes(), name="talk.mp4")
