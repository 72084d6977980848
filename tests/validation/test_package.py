"""The package zip (package.*): name, safety, GBK names, slots, and members checked as their kind."""

from __future__ import annotations

import stat
import zipfile
from functools import lru_cache
from io import BytesIO

import pytest

from cases.validation import ValidationContext, ValidationLimits
from cases.validation.package import decoded_name
from tests.validation.builders import (
    CASE_NAME,
    REGION_NAME,
    UNIT_NAME,
    camera_photos,
    form_with_narrative,
    pdf_bytes,
    photo_bytes,
    raw_zip,
    scan_page_image,
    zip_bytes,
)
from tests.validation.conftest import codes

PACKAGE_NAME = f"{REGION_NAME}+{UNIT_NAME}+{CASE_NAME}.zip"
PHOTO_FOLDER = f"{UNIT_NAME}+照片"


@lru_cache(maxsize=1)
def members() -> dict[str, bytes]:
    exterior, product, scene = camera_photos()
    return {
        "推荐表.docx": form_with_narrative(layout="cell", photos=[exterior, product, scene]),
        "推荐表（盖章扫描版）.pdf": pdf_bytes([{"image": scan_page_image(seal="ring")}]),
        "证明材料.pdf": pdf_bytes([{"text": "Certificate"}]),
        f"{PHOTO_FOLDER}/{CASE_NAME}+企业外景.jpg": exterior,
        f"{PHOTO_FOLDER}/{CASE_NAME}+实物图.jpg": product,
        f"{PHOTO_FOLDER}/{CASE_NAME}+场景图.jpg": scene,
    }


def test_conforming_package_passes_with_every_member_checked(check):
    assert check(zip_bytes(members()), "package", PACKAGE_NAME) == []


def test_gbk_names_without_the_utf8_flag_are_decoded(check):
    entries = [{"name": name.encode("gbk"), "data": data} for name, data in members().items()]
    data = raw_zip(entries)
    shown_by_python = zipfile.ZipFile(BytesIO(data)).infolist()[0]
    assert shown_by_python.filename != "推荐表.docx"  # cp437 mojibake

    assert decoded_name(shown_by_python) == "推荐表.docx"
    assert check(data, "package", PACKAGE_NAME) == []


def test_utf8_names_without_the_flag_are_decoded_too():
    data = raw_zip([{"name": "推荐表.pdf".encode("utf-8"), "data": b"x"}])

    assert decoded_name(zipfile.ZipFile(BytesIO(data)).infolist()[0]) == "推荐表.pdf"


def test_member_findings_are_located_inside_the_member(check):
    small = {**members(), f"{PHOTO_FOLDER}/{CASE_NAME}+场景图.jpg": photo_bytes((900, 600), seed=11)}

    findings = check(zip_bytes(small), "package", PACKAGE_NAME)

    assert [(f.rule, f.location) for f in findings] == [("photo.too_small", f"{PHOTO_FOLDER}/{CASE_NAME}+场景图.jpg")]


@pytest.mark.parametrize(
    ("entry", "found"),
    [
        ({"name": b"../evil.jpg", "data": b"x"}, "a path leading outside the archive (..)"),
        ({"name": b"/etc/cron.d/evil", "data": b"x"}, "an absolute path"),
        ({"name": b"C:\\Windows\\evil.dll", "data": b"x"}, "an absolute path"),
        ({"name": b"link", "data": b"/etc/passwd", "external_attr": (stat.S_IFLNK | 0o777) << 16}, "a link"),
        ({"name": b"secret.pdf", "data": b"x", "flags": 0x1}, "a password-protected member"),
        ({"name": b"zeros.bin", "data": bytes(20 * 1024 * 1024), "compress": True}, "compressed more than 200:1 (a zip bomb)"),
    ],
)
def test_unsafe_members_are_refused_and_the_rest_still_checked(check, entry, found):
    entries = [{"name": name.encode(), "data": data, "utf8": True} for name, data in members().items()] + [entry]

    findings = check(raw_zip(entries), "package", PACKAGE_NAME)

    assert [(f.rule, f.found, f.location) for f in findings] == [("package.unsafe", found, entry["name"].decode())]


def test_overlapping_entries_stop_everything(check):
    entries = [
        {"name": b"a.txt", "data": b"A" * 5000, "compress": True},
        {"name": b"b.txt", "offset_of": 0},
        {"name": b"c.txt", "offset_of": 0},
    ]

    findings = check(raw_zip(entries), "package", PACKAGE_NAME)

    assert [(f.rule, f.found) for f in findings] == [("package.unsafe", "members overlapping each other (a zip bomb)")]


def test_member_count_and_total_size_limits_are_settings(check):
    few = ValidationContext(unit_name=UNIT_NAME, case_name=CASE_NAME, region_name=REGION_NAME, limits=ValidationLimits(zip_max_members=3))
    small = ValidationContext(unit_name=UNIT_NAME, case_name=CASE_NAME, region_name=REGION_NAME, limits=ValidationLimits(zip_max_total_bytes=1024))

    by_count = check(zip_bytes(members()), "package", PACKAGE_NAME, with_context=few)
    by_size = check(zip_bytes(members()), "package", PACKAGE_NAME, with_context=small)

    assert [(f.rule, f.found) for f in by_count] == [("package.unsafe", "6 members, more than 3")]
    assert codes(by_size) == ["package.unsafe"]
    assert by_size[0].found.endswith("when unpacked, more than 1 KB")


def test_missing_items_duplicates_and_strays(check):
    content = dict(members())
    del content[f"{PHOTO_FOLDER}/{CASE_NAME}+场景图.jpg"]
    content["推荐表副本.docx"] = content["推荐表.docx"]
    content["说明.txt"] = b"hello"

    findings = check(zip_bytes(content), "package", PACKAGE_NAME)

    assert [(f.rule, f.severity, f.found, f.location) for f in findings] == [
        ("package.missing", "error", "scene photo (场景图)", ""),
        ("package.duplicate", "warning", "recommendation form in Word (推荐表 Word)", "推荐表.docx; 推荐表副本.docx"),
        ("package.unexpected", "info", "", "说明.txt"),
    ]


def test_package_and_photo_folder_names(check):
    content = {name.replace(PHOTO_FOLDER, "照片"): data for name, data in members().items()}

    findings = check(zip_bytes(content), "package", "材料.zip")

    assert [(f.rule, f.found, f.expected) for f in findings] == [
        ("package.name", "材料.zip", f"{REGION_NAME}+{UNIT_NAME}+{CASE_NAME}"),
        ("package.name", "照片", f"{UNIT_NAME}+照片"),
    ]


def test_package_name_separator_freedom(check):
    assert check(zip_bytes(members()), "package", f"{REGION_NAME}{UNIT_NAME}　{CASE_NAME}.zip") == []


def test_not_a_zip_is_unreadable(check):
    findings = check(pdf_bytes([{"text": "x"}]), "package", PACKAGE_NAME)

    assert [(f.rule, f.found) for f in findings] == [("package.unreadable", "the content is a PDF document")]
