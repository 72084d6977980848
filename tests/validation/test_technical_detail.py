"""Issue 13 item 7: what a library says never reaches a finding's message. A broken file gets a
Chinese message and `found`; the library's own English (“Stream has ended unexpectedly”, “H.265 /
HEVC (High Efficiency Video Coding)”) goes into `detail`, shown folded away as 技术信息."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from tests.validation.builders import (
    conforming_narrative,
    make_video,
    pdf_bytes,
    photo_bytes,
    rewrite_parts,
    zip_bytes,
)

# Two English words in a row: a phrase a library wrote. Format names alone (PDF, Word, JPG) pass.
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}[ \-]+[A-Za-z]{2,}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def chinese(english):  # after conftest's `english`, so Chinese wins
    with translation.override("zh-hans"):
        yield


def assert_chinese_with_detail(finding, detail_part: str) -> None:
    for text in (finding.message, finding.found):
        assert CHINESE.search(text), text
        assert not ENGLISH_PHRASE.search(text), text
    assert detail_part in finding.detail


def cut_in_half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def damaged_jpeg() -> bytes:
    data = bytearray(photo_bytes())
    for index in range(2000, len(data) - 2000, 50):
        data[index] = 0xFF
    return bytes(data)


def damaged_document_xml() -> bytes:
    return rewrite_parts(conforming_narrative(), word__document_dot_xml=lambda xml: xml[: len(xml) // 2])


def zip_with_a_corrupt_member() -> bytes:
    data = bytearray(zip_bytes({"太原市+单位+案例/推荐表.pdf": b"%PDF-1.4 " + bytes(range(256)) * 40}))
    start = data.index(b"%PDF") if b"%PDF" in data else 200
    data[start + 100 : start + 140] = b"\x00" * 40  # stored data no longer matches its CRC / deflate stream
    return bytes(data)


@pytest.mark.parametrize(
    ("build", "kind", "name", "rule", "detail_part"),
    [
        (lambda: cut_in_half(pdf_bytes([{"text": "推荐表"}])), "pdf_scan", "推荐表.pdf", "pdf.unreadable", "Stream has ended unexpectedly"),
        (damaged_document_xml, "narrative", "案例概要.docx", "docx.unreadable", "XMLSyntaxError"),
        (damaged_jpeg, "photo_exterior", "案例+企业外景.jpg", "photo.not_jpeg", "OSError"),
        (lambda: cut_in_half(zip_bytes({"a.txt": b"hello" * 1000})), "package", "p.zip", "package.unreadable", "BadZipFile"),
    ],
    ids=["truncated-pdf", "damaged-word-xml", "damaged-jpeg", "truncated-zip"],
)
def test_a_broken_file_gets_a_chinese_message_and_the_library_text_as_detail(check, build, kind, name, rule, detail_part):
    findings = check(build(), kind, name)

    finding = next(f for f in findings if f.rule == rule)
    assert_chinese_with_detail(finding, detail_part)


def test_a_truncated_pdf_reads_as_the_issue_asked():
    from cases.validation import ValidationContext, validate_file

    path = Path(__file__).parent / "__truncated.pdf"
    try:
        path.write_bytes(cut_in_half(pdf_bytes([{"text": "推荐表"}])))
        [finding] = validate_file(path, "pdf_scan", context=ValidationContext())
    finally:
        path.unlink(missing_ok=True)

    assert (finding.message, finding.found, finding.detail) == (
        "文件无法作为 PDF 读取：文件已损坏。", "文件已损坏", "PdfStreamError: Stream has ended unexpectedly",
    )


def test_a_damaged_member_of_a_package_is_chinese_too(check):
    findings = check(zip_with_a_corrupt_member(), "package", "太原市+单位+案例.zip")

    unsafe = [f for f in findings if f.rule in ("package.unsafe", "pdf.unreadable")]
    assert unsafe
    for finding in unsafe:
        assert_chinese_with_detail(finding, "")
        assert finding.detail


def test_a_pdf_with_scripts_names_them_in_chinese(check):
    from tests.validation.test_pdf import with_attachment, with_javascript

    scripted = check(with_attachment(with_javascript(pdf_bytes([{"text": "证明材料"}]))), "pdf_document", "证明.pdf")

    assert [(f.rule, f.found, f.detail) for f in scripted] == [
        ("pdf.active_content", "附加文件、脚本", "EmbeddedFile, JavaScript"),
    ]


def test_a_hevc_video_with_mp3_sound_names_the_codecs_as_video_software_does(check, tmp_path):
    path = make_video(tmp_path / "hevc.mp4", seconds=3, video_codec="libx265", audio_codec="libmp3lame",
                      extra=("-preset", "ultrafast"))

    findings = {f.rule: f for f in check(path.read_bytes(), "video", "案例+视频.mp4")}

    codec, audio = findings["video.codec"], findings["video.audio"]
    assert (codec.message, codec.found) == ("视频编码为H.265（HEVC），须为 H.264。", "H.265（HEVC）")
    assert codec.detail == "hevc / H.265 / HEVC (High Efficiency Video Coding)"
    assert audio.found == "MP3" and audio.detail.startswith("mp3 / MP3")
    for finding in (codec, audio):
        assert not ENGLISH_PHRASE.search(finding.message)


def test_a_file_ffprobe_cannot_read_is_chinese_with_ffprobes_words_as_detail(check):
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    garbage = b"\x00\x00\x04\x08mdat" + bytes(range(256)) * 4

    [finding] = [f for f in check(ftyp + garbage, "video", "案例+视频.mp4") if f.rule == "video.unreadable"]

    assert (finding.message, finding.found) == ("视频无法读取：文件已损坏或不是视频。", "文件已损坏或不是视频")
    assert finding.detail
