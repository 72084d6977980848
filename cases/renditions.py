"""Public-size copies of a case's photos and its video's poster frame, made by a worker.

Public pages (the vote gallery, a candidate's page, the showcase) are opened on phones on 4G, in
WeChat: they show these copies, never an original (a 2–20 MB camera JPEG with its GPS position in
the EXIF). A copy is made right after the upload's check found the file openable (called from
cases.checks like the Word previews), by the `cases.make_renditions` task:
- photo → THUMB: WebP, at most THUMB_WIDTH wide, at most THUMB_MAX_BYTES (the quality steps down
  until it fits); DISPLAY: JPEG at most DISPLAY_WIDTH wide, at most DISPLAY_MAX_BYTES (also the
  share card's image: WeChat's card reader wants a JPEG);
- video → POSTER: one frame taken by ffmpeg (own process group, time and memory limit), as JPEG,
  and a THUMB of it.
The JPEG decoder scales while decoding (draft mode), so a 100-megapixel photo costs a few MB.
"""

from __future__ import annotations

import io
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from cases.documents.confined import check_passed, local_copy
from cases.enums import RenditionKind, UploadSlot
from cases.models import Rendition, Upload
from cases.validation.isolation import ToolMissing, ToolTimeout, private_folder, run_tool
from cases.validation.limits import ValidationLimits

logger = logging.getLogger(__name__)

PHOTO_SLOTS = (UploadSlot.PHOTO_EXTERIOR, UploadSlot.PHOTO_PRODUCT, UploadSlot.PHOTO_SCENE)
VIDEO_SLOTS = (UploadSlot.VIDEO,)
THUMB_WIDTH = 480
THUMB_MAX_BYTES = 100 * 1024
DISPLAY_WIDTH = 960
DISPLAY_MAX_BYTES = 200 * 1024
QUALITY_STEPS = (75, 65, 60, 50, 40, 30, 20)
POSTER_AT_SECONDS = 2.0
POSTER_TIMEOUT_SECONDS = 60.0

PHOTO_KINDS = (RenditionKind.THUMB, RenditionKind.DISPLAY)
VIDEO_KINDS = (RenditionKind.POSTER, RenditionKind.THUMB)


def kinds_for(upload: Upload) -> tuple[str, ...]:
    if upload.slot in PHOTO_SLOTS:
        return PHOTO_KINDS
    if upload.slot in VIDEO_SLOTS:
        return VIDEO_KINDS
    return ()


def queue_renditions_after_check(upload: Upload) -> None:
    """Once the check of `upload` is stored: queue its public copies when it is a photo or video the
    check found openable (the task is safe to run twice)."""
    if not kinds_for(upload) or not check_passed(upload):
        return
    from cases.tasks import make_renditions_task  # tasks import this module
    from portal.queueing import enqueue_on_commit

    enqueue_on_commit(make_renditions_task, upload.pk)


def make_renditions(upload_id: int) -> list[str]:
    """Make the missing copies of one upload whose check passed; returns the kinds made. A file
    that cannot be decoded gets none (the pages then show no picture) and is logged."""
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None or not kinds_for(upload) or not check_passed(upload):
        return []
    have = set(Rendition.objects.filter(upload=upload).values_list("kind", flat=True))
    wanted = [kind for kind in kinds_for(upload) if kind not in have]
    if not wanted:
        return []
    try:
        if upload.slot in PHOTO_SLOTS:
            images = _photo_images(upload, wanted)
        else:
            images = _video_images(upload, wanted)
    except (OSError, ValueError, ToolMissing, ToolTimeout, SyntaxError) as problem:  # PIL raises SyntaxError for some broken files
        logger.warning("no public copies of upload %s: %s", upload.pk, problem)
        return []
    made = []
    for kind, (data, content_type, extension, width, height) in images.items():
        rendition = Rendition(upload=upload, kind=kind, content_type=content_type, width=width, height=height, size=len(data))
        rendition.file.save(f"copy.{extension}", ContentFile(data), save=False)
        try:
            with transaction.atomic():
                rendition.save()
        except IntegrityError:  # another run made it meanwhile
            rendition.file.storage.delete(rendition.file.name)
            continue
        made.append(kind)
    return made


def _open_image(source):
    from PIL import Image, ImageOps

    image = Image.open(source)
    image.draft("RGB", (DISPLAY_WIDTH * 2, DISPLAY_WIDTH * 2))
    return ImageOps.exif_transpose(image).convert("RGB")


def _encode(image, *, width: int, fmt: str, max_bytes: int) -> tuple[bytes, int, int]:
    """`image` scaled to at most `width` wide, encoded at the best quality that fits `max_bytes`
    (no metadata is written: the EXIF stays behind)."""
    copy = image.copy()
    copy.thumbnail((width, width * 4))
    data = b""
    for quality in QUALITY_STEPS:
        out = io.BytesIO()
        if fmt == "WEBP":
            copy.save(out, "WEBP", quality=quality, method=4)
        else:
            copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        data = out.getvalue()
        if len(data) <= max_bytes:
            break
    else:
        copy.thumbnail((copy.width // 2, copy.height // 2))
        return _encode(copy, width=copy.width, fmt=fmt, max_bytes=max_bytes)
    return data, copy.width, copy.height


def _images_from(image, wanted) -> dict:
    result = {}
    for kind in wanted:
        if kind == RenditionKind.THUMB:
            data, w, h = _encode(image, width=THUMB_WIDTH, fmt="WEBP", max_bytes=THUMB_MAX_BYTES)
            result[kind] = (data, "image/webp", "webp", w, h)
        else:  # DISPLAY and POSTER: JPEG for WeChat's share card reader
            data, w, h = _encode(image, width=DISPLAY_WIDTH, fmt="JPEG", max_bytes=DISPLAY_MAX_BYTES)
            result[kind] = (data, "image/jpeg", "jpg", w, h)
    return result


def _photo_images(upload: Upload, wanted) -> dict:
    with upload.file.storage.open(upload.file.name, "rb") as handle:
        image = _open_image(handle)
    return _images_from(image, wanted)


def _video_images(upload: Upload, wanted) -> dict:
    """One frame POSTER_AT_SECONDS in (the first frame of a talk is often black), by ffmpeg, under
    the same memory limit as every tool that reads an upload."""
    with private_folder(None) as folder:
        source = local_copy(upload, folder, "video")
        frame = folder / "frame.jpg"
        for seek in (POSTER_AT_SECONDS, 0.0):  # a video shorter than the seek point: its first frame
            run_tool(["ffmpeg", "-nostdin", "-v", "error", "-ss", str(seek), "-i", str(source), "-frames:v", "1",
                      "-vf", f"scale='min({DISPLAY_WIDTH * 2},iw)':-2", "-q:v", "3", "-y", str(frame)],
                     timeout=POSTER_TIMEOUT_SECONDS, cwd=folder, memory_limit=ValidationLimits().tool_memory_bytes)
            if frame.is_file() and frame.stat().st_size:
                break
        else:
            raise ValueError("ffmpeg found no frame")
        with open(frame, "rb") as handle:
            image = _open_image(handle)
    return _images_from(image, wanted)


def renditions_by_upload(upload_ids) -> dict[int, dict[str, Rendition]]:
    """{upload id: {kind: rendition}} in one query."""
    result: dict[int, dict[str, Rendition]] = {}
    for rendition in Rendition.objects.filter(upload_id__in=list(upload_ids)).only(
            "upload_id", "kind", "width", "height", "content_type", "size", "file"):
        result.setdefault(rendition.upload_id, {})[rendition.kind] = rendition
    return result
