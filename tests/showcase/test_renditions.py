"""Public copies of photos and videos (issue 20): made by a worker right after the upload's check
passed, never before; thumbnails WebP ≤ 100 KB, display JPEG, EXIF (GPS) gone; a video's poster
frame by ffmpeg."""

import io

import pytest
from PIL import Image

from cases.checks import check_upload
from cases.enums import CaseStatus, RenditionKind, UploadSlot
from cases.models import Rendition
from cases.renditions import DISPLAY_WIDTH, THUMB_MAX_BYTES, THUMB_WIDTH, make_renditions
from tests import factories
from tests.showcase import showcase_world as show

pytestmark = pytest.mark.django_db


def _image(rendition) -> Image.Image:
    with rendition.file.storage.open(rendition.file.name, "rb") as handle:
        return Image.open(io.BytesIO(handle.read()))


def test_a_camera_photo_gets_a_small_webp_thumbnail_and_a_display_jpeg_without_its_gps():
    # Arrange: a 3000×2000 camera-like JPEG of 2.7 MB with a GPS position, checked.
    case = factories.case(factories.enterprise(), status=CaseStatus.PROVINCE_REVIEW)
    upload = factories.upload(case, UploadSlot.PHOTO_EXTERIOR, show.photo_bytes(), "外景.jpg")

    # Act
    made = make_renditions(upload.pk)

    # Assert
    assert made == [RenditionKind.THUMB, RenditionKind.DISPLAY]
    thumb = Rendition.objects.get(upload=upload, kind=RenditionKind.THUMB)
    display = Rendition.objects.get(upload=upload, kind=RenditionKind.DISPLAY)
    assert (thumb.content_type, thumb.width, thumb.height) == ("image/webp", THUMB_WIDTH, 320)
    assert thumb.size <= THUMB_MAX_BYTES and thumb.size == thumb.file.size
    assert (display.content_type, display.width, display.height) == ("image/jpeg", DISPLAY_WIDTH, 640)
    for rendition in (thumb, display):
        image = _image(rendition)
        assert image.format == {"image/webp": "WEBP", "image/jpeg": "JPEG"}[rendition.content_type]
        assert not image.getexif() and "exif" not in image.info


def test_running_twice_makes_nothing_more():
    case = factories.case(factories.enterprise(), status=CaseStatus.PROVINCE_REVIEW)
    upload = factories.upload(case, UploadSlot.PHOTO_SCENE, factories.jpeg_bytes(1200, 800), "场景图.jpg")
    make_renditions(upload.pk)

    assert make_renditions(upload.pk) == []
    assert Rendition.objects.filter(upload=upload).count() == 2


@pytest.mark.parametrize("state", ["pending", "running", "failed"])
def test_nothing_is_decoded_before_the_check_passed(state):
    case = factories.case(factories.enterprise(), status=CaseStatus.PROVINCE_REVIEW)
    upload = factories.upload(case, UploadSlot.PHOTO_EXTERIOR, factories.jpeg_bytes(), "外景.jpg", state=state)

    assert make_renditions(upload.pk) == []
    assert not Rendition.objects.filter(upload=upload).exists()


def test_a_file_the_check_found_unopenable_gets_no_copy():
    from cases.validation import rules

    case = factories.case(factories.enterprise(), status=CaseStatus.PROVINCE_REVIEW)
    upload = factories.upload(case, UploadSlot.PHOTO_EXTERIOR, b"MZ not a jpeg", "外景.jpg",
                              findings=[{"rule": rules.PHOTO_NOT_JPEG.code, "severity": "error"}])

    assert make_renditions(upload.pk) == []
    assert not Rendition.objects.filter(upload=upload).exists()


def test_the_check_queues_the_copies_when_it_passes(django_capture_on_commit_callbacks):
    # Arrange: a photo uploaded and waiting for its check.
    case = factories.case(factories.enterprise(), status=CaseStatus.PROVINCE_REVIEW, title="示范案例")
    upload = factories.upload(case, UploadSlot.PHOTO_EXTERIOR, show.photo_bytes(1500, 1000), "示范案例+企业外景.jpg",
                              state="pending")
    assert not Rendition.objects.filter(upload=upload).exists()

    # Act: the check runs (its task), and what it queued after the commit runs too (eager).
    with django_capture_on_commit_callbacks(execute=True):
        check_upload(upload.pk)

    # Assert
    assert set(Rendition.objects.filter(upload=upload).values_list("kind", flat=True)) == {"thumb", "display"}


def test_a_video_gets_a_poster_frame_and_a_thumbnail_by_ffmpeg():
    case = factories.case(factories.enterprise(), status=CaseStatus.WINNER)
    upload = factories.upload(case, UploadSlot.VIDEO, show.mp4_bytes(3), "案例+视频.mp4")

    made = make_renditions(upload.pk)

    assert made == [RenditionKind.POSTER, RenditionKind.THUMB]
    poster = Rendition.objects.get(upload=upload, kind=RenditionKind.POSTER)
    assert (poster.content_type, poster.width, poster.height) == ("image/jpeg", 640, 360)
    from PIL import ImageStat

    assert sum(ImageStat.Stat(_image(poster).convert("L")).mean) > 40  # a frame of the test pattern, not black
    thumb = Rendition.objects.get(upload=upload, kind=RenditionKind.THUMB)
    assert (thumb.content_type, thumb.width, thumb.height) == ("image/webp", 480, 270)
