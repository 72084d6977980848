"""Photo rules (photo.*), each both ways."""

from __future__ import annotations

import pytest

from cases.validation import ValidationContext, ValidationLimits
from tests.validation.builders import CASE_NAME, jpeg_with_claimed_size, mpo_bytes, photo_bytes, png_bytes
from tests.validation.conftest import codes

GOOD_NAME = f"{CASE_NAME}+实物图.jpg"


def test_camera_original_passes(check):
    assert check(photo_bytes(), "photo_product", GOOD_NAME) == []


def test_renamed_png_is_not_jpeg(check):
    findings = check(png_bytes(), "photo_exterior", f"{CASE_NAME}+企业外景.jpg")

    assert [(f.rule, f.found) for f in findings if f.rule == "photo.not_jpeg"] == [("photo.not_jpeg", "the content is a PNG image")]


def test_renamed_heic_is_not_jpeg(check):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(3 * 1024 * 1024)

    findings = check(heic, "photo_exterior", f"{CASE_NAME}+企业外景.jpg")

    assert [(f.rule, f.found) for f in findings] == [("photo.not_jpeg", "the content is a HEIC image")]


def test_truncated_jpeg_is_not_jpeg(check):
    data = photo_bytes((2400, 1600))

    findings = check(data[: len(data) * 2 // 3], "photo_product", GOOD_NAME)

    assert [(f.rule, f.found) for f in findings] == [("photo.not_jpeg", "the file is cut short (incomplete upload or copy)")]


def test_decompression_bomb_header_is_not_jpeg(check):
    findings = check(jpeg_with_claimed_size(60000, 60000), "photo_product", GOOD_NAME)

    assert [(f.rule, f.found) for f in findings if f.rule == "photo.not_jpeg"] == [
        ("photo.not_jpeg", "the image has too many pixels to be a photo")
    ]


def test_pixel_limit_is_a_setting(check):
    strict = ValidationContext(case_name=CASE_NAME, limits=ValidationLimits(max_image_pixels=1_000_000))

    findings = check(photo_bytes(), "photo_product", GOOD_NAME, with_context=strict)

    assert codes(findings) == ["photo.not_jpeg"]


def test_mpo_from_a_camera_is_a_jpeg(check):
    data = mpo_bytes()
    assert data.startswith(b"\xff\xd8\xff")

    assert check(data, "photo_scene", f"{CASE_NAME}+场景图.jpg") == []


def test_under_two_mebibytes_is_too_small_and_exactly_two_passes(check, context):
    small = photo_bytes((900, 600), seed=5)
    assert len(small) < context.limits.min_photo_bytes
    exactly = ValidationContext(case_name=CASE_NAME, limits=ValidationLimits(min_photo_bytes=len(small)))

    findings = check(small, "photo_product", GOOD_NAME)

    assert [(f.rule, f.expected) for f in findings] == [("photo.too_small", "at least 2 MB")]
    assert check(small, "photo_product", GOOD_NAME, with_context=exactly) == []


@pytest.mark.parametrize(("gray", "found"), [("L", "a grayscale JPEG"), ("rgb", "a colour file whose picture is gray")])
def test_gray_photos(check, gray, found):
    findings = check(photo_bytes((2400, 1600), gray=gray), "photo_product", GOOD_NAME)

    assert [(f.rule, f.found) for f in findings if f.rule != "photo.too_small"] == [("photo.grayscale", found)]


def test_no_camera_exif_is_a_warning(check):
    findings = check(photo_bytes(make=None, model=None), "photo_product", GOOD_NAME)

    assert [(f.rule, f.severity) for f in findings] == [("photo.no_camera", "warning")]


@pytest.mark.parametrize(("software", "expected"), [("Adobe Photoshop 25.0", ["photo.edited"]), ("Ver.1.00", []), ("Meitu Xiuxiu 9.0", ["photo.edited"])])
def test_editing_software_is_a_warning(check, software, expected):
    findings = check(photo_bytes(software=software), "photo_product", GOOD_NAME)

    assert codes(findings) == expected
    assert all(f.severity == "warning" for f in findings)


def test_case_photo_not_three_by_two(check):
    findings = check(photo_bytes((1600, 1200)), "photo_case", f"{CASE_NAME}+实物图.jpg")

    assert [(f.rule, f.found) for f in findings] == [("photo.aspect", "1600×1200, landscape 1.33:1")]


def test_exterior_photo_shape_is_free(check):
    assert check(photo_bytes((1600, 1200)), "photo_exterior", f"{CASE_NAME}+企业外景.jpg") == []


def test_exif_orientation_is_applied_before_judging_the_shape(check):
    turned_portrait = photo_bytes((1800, 1200), orientation=6)
    turned_landscape = photo_bytes((1200, 1800), orientation=8)

    findings = check(turned_portrait, "photo_product", GOOD_NAME)

    assert [(f.rule, f.found) for f in findings] == [("photo.aspect", "1200×1800, portrait 0.67:1")]
    assert check(turned_landscape, "photo_product", GOOD_NAME) == []


@pytest.mark.parametrize(
    "name",
    [f"{CASE_NAME}+实物图.jpg", f"{CASE_NAME}＋实物图.JPG", f"{CASE_NAME} 实物图.jpeg", f"{CASE_NAME}实物图.jpg", f"{CASE_NAME}-实物.jpg"],
)
def test_name_separator_freedom(check, name):
    assert check(photo_bytes(), "photo_product", name) == []


@pytest.mark.parametrize("name", [f"实物图+{CASE_NAME}.jpg", "IMG_0001.jpg", f"{CASE_NAME}+场景图.jpg", f"{CASE_NAME}+实物图.png"])
def test_wrong_names_are_warnings(check, name):
    findings = check(photo_bytes(), "photo_product", name)

    assert [(f.rule, f.severity, f.found, f.expected) for f in findings] == [
        ("photo.name", "warning", name, f"{CASE_NAME}+实物图")
    ]


def test_photo_case_accepts_either_case_photo_name(check):
    assert check(photo_bytes(), "photo_case", f"{CASE_NAME}+场景图.jpg") == []
    assert check(photo_bytes(), "photo_case", f"{CASE_NAME}+实物图.jpg") == []
    assert codes(check(photo_bytes(), "photo_case", f"{CASE_NAME}+外景.jpg")) == ["photo.name"]


def test_unknown_case_name_still_requires_a_prefix_and_the_suffix(check):
    unknown = ValidationContext()

    assert check(photo_bytes(), "photo_exterior", "随便什么案例+企业外景.jpg", with_context=unknown) == []
    assert codes(check(photo_bytes(), "photo_exterior", "企业外景.jpg", with_context=unknown)) == ["photo.name"]
