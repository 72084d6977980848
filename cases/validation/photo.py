"""Photos (附件1 第二条): real JPEG originals from a digital camera, ≥ 2 MB, colour, one image per
file; case photos landscape 3:2; named “案例名称+企业外景” / “案例名称+实物图” / “案例名称+场景图”.

Kinds: `photo_exterior` (企业外景), `photo_case` (实物图 or 场景图, either name accepted), and
`photo_product` / `photo_scene`, the same rules as `photo_case` with the name fixed — what the
package's slots and the upload slots use.

The image is fully decoded (a truncated JPEG must fail) but in Pillow's draft mode, which scales
the DCT by up to 1/8 while still reading every byte of the entropy-coded data: fast and small.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from cases.validation import rules
from cases.validation.colour import is_grayscale
from cases.validation.findings import FileProblem, Finding, technical
from cases.validation.limits import NOTICE_FORMAT, ValidationContext
from cases.validation.names import PHOTO_EXTENSIONS, display_pattern, follows_pattern, placeholder_case_name, stem_and_extension
from cases.validation.sniff import describe_content, read_head
from cases.validation.units import describe_bytes

PHOTO_KINDS = ("photo_exterior", "photo_case", "photo_product", "photo_scene")
CASE_PHOTO_KINDS = ("photo_case", "photo_product", "photo_scene")
DRAFT_SIZE = (512, 512)  # decode at ≥ this size; enough to judge colour
EXIF_MAKE, EXIF_MODEL, EXIF_SOFTWARE, EXIF_ORIENTATION = 0x010F, 0x0110, 0x0131, 0x0112
EDITING_SOFTWARE = ("photoshop", "lightroom", "gimp", "美图", "meitu", "醒图", "snapseed", "picsart", "canva", "photoscape", "光影魔术手", "acdsee", "paint.net", "affinity")


def name_suffixes(kind: str) -> tuple[str, ...]:
    if kind == "photo_exterior":
        return NOTICE_FORMAT.exterior_photo_suffixes
    if kind == "photo_product":
        return NOTICE_FORMAT.product_photo_suffixes
    if kind == "photo_scene":
        return NOTICE_FORMAT.scene_photo_suffixes
    return NOTICE_FORMAT.product_photo_suffixes + NOTICE_FORMAT.scene_photo_suffixes


def validate_photo(path: Path, kind: str, context: ValidationContext, *, display_name: str | None = None) -> list[Finding]:
    findings = _check_name(display_name or path.name, kind, context)
    size = path.stat().st_size
    if size < context.limits.min_photo_bytes:
        findings.append(rules.PHOTO_TOO_SMALL.finding(found=describe_bytes(size), limit=describe_bytes(context.limits.min_photo_bytes)))
    head = read_head(path)
    if not head.startswith(b"\xff\xd8\xff"):
        return [rules.PHOTO_NOT_JPEG.finding(found=_("the content is a %(format)s") % {"format": describe_content(head)}), *findings]
    try:
        image, exif = _decode(path, context.limits.max_image_pixels)
    except _NotDecodable as problem:
        return [rules.PHOTO_NOT_JPEG.finding_for(problem), *findings]
    findings += _check_colour(image)
    findings += _check_camera(exif)
    if kind in CASE_PHOTO_KINDS:
        findings += _check_aspect(image.info["full_size"], exif.get(EXIF_ORIENTATION), context)
    return findings


class _NotDecodable(FileProblem):
    pass


def _decode(path: Path, max_pixels: int) -> tuple[Image.Image, dict[int, object]]:
    """Decode the whole first frame (draft-scaled); refuse bombs and anything that is not JPEG/MPO.

    Pillow's global MAX_IMAGE_PIXELS is left alone (threads share it): its own error still stops
    the worst bombs at open time, and our limit is checked on the header before decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format not in ("JPEG", "MPO"):
                    raise _NotDecodable(_("the content is not a JPEG image"), image.format or "")
                if image.size[0] * image.size[1] > max_pixels:
                    raise Image.DecompressionBombError(image.size)
                exif = dict(image.getexif())
                full_size = image.size
                image.draft("RGB", DRAFT_SIZE)
                image.load()
                decoded = image.copy()
    except Image.DecompressionBombError:
        raise _NotDecodable(_("the image has too many pixels to be a photo")) from None
    except UnidentifiedImageError as error:
        raise _NotDecodable(_("the image data cannot be read"), technical(error)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        if "truncated" in str(error):
            raise _NotDecodable(_("the file is cut short (incomplete upload or copy)"), technical(error)) from None
        raise _NotDecodable(_("the image data is damaged"), technical(error)) from None
    decoded.info["full_size"] = full_size
    return decoded, exif


def _check_colour(image: Image.Image) -> list[Finding]:
    if image.mode in ("1", "L", "LA", "I", "I;16", "F"):
        return [rules.PHOTO_GRAYSCALE.finding(found=_("a grayscale JPEG"))]
    if is_grayscale(image):
        return [rules.PHOTO_GRAYSCALE.finding(found=_("a colour file whose picture is gray"))]
    return []


def _check_camera(exif: dict[int, object]) -> list[Finding]:
    findings: list[Finding] = []
    make, model = _text(exif.get(EXIF_MAKE)), _text(exif.get(EXIF_MODEL))
    if not make and not model:
        findings.append(rules.PHOTO_NO_CAMERA.finding(found=_("no make or model")))
    software = _text(exif.get(EXIF_SOFTWARE))
    if software and any(editor in software.casefold() for editor in EDITING_SOFTWARE):
        findings.append(rules.PHOTO_EDITED.finding(found=software))
    return findings


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value or "").strip("\x00 ").strip()


def _check_aspect(size: tuple[int, int], orientation: object, context: ValidationContext) -> list[Finding]:
    width, height = size
    if orientation in (5, 6, 7, 8):  # EXIF says the camera was turned: what people see is swapped
        width, height = height, width
    wanted_width, wanted_height = NOTICE_FORMAT.case_photo_aspect
    ratio_label = f"{wanted_width}:{wanted_height}"
    wanted = wanted_width / wanted_height
    if height and abs(width / height - wanted) <= wanted * context.limits.aspect_tolerance:
        return []
    shape = _("portrait") if height > width else _("landscape")
    found = _("%(width)s×%(height)s, %(shape)s %(ratio)s") % {
        "width": width, "height": height, "shape": shape, "ratio": f"{width / height:.2f}:1" if height else "?",
    }
    return [rules.PHOTO_ASPECT.finding(found=found, ratio=ratio_label)]


def _check_name(file_name: str, kind: str, context: ValidationContext) -> list[Finding]:
    stem, extension = stem_and_extension(file_name)
    suffixes = name_suffixes(kind)
    if extension in PHOTO_EXTENSIONS and follows_pattern(stem, leading=[context.case_name], suffixes=suffixes):
        return []
    expected = display_pattern([context.case_name, suffixes[0]], [placeholder_case_name(), ""])
    if kind == "photo_case":
        expected = display_pattern([context.case_name, f"{suffixes[0]}/{NOTICE_FORMAT.scene_photo_suffixes[0]}"], [placeholder_case_name(), ""])
    return [rules.PHOTO_NAME.finding(found=file_name, expected=expected)]
