"""PDF scan rules (pdf.*): readable, unprotected, a scan (judged by what pages draw), a red seal."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader, PdfWriter

from tests.validation.builders import pdf_bytes, scan_page_image
from tests.validation.conftest import codes


def encrypt(data: bytes, *, user_password: str, owner_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_colour_scan_with_a_red_ring_seal_passes(check):
    data = pdf_bytes([{"image": scan_page_image(seal=None)}, {"image": scan_page_image(seal="ring")}])

    assert check(data, "pdf_scan", "推荐表.pdf") == []


def test_scan_with_an_invisible_ocr_layer_is_still_a_scan(check):
    data = pdf_bytes([{"image": scan_page_image(seal="ring"), "text": "OCR layer", "render_mode": 3}])

    assert check(data, "pdf_scan", "推荐表.pdf") == []


def test_text_born_pdf_is_not_a_scan(check):
    data = pdf_bytes([{"text": "Exported from Word"}, {"text": "Page two"}])

    findings = check(data, "pdf_scan", "推荐表.pdf")

    assert [(f.rule, f.severity, f.found) for f in findings] == [
        ("pdf.not_scan", "error", "no page is a scanned image; it was made by a program")
    ]


def test_small_picture_on_a_text_page_does_not_make_a_scan(check):
    data = pdf_bytes([{"image": scan_page_image(seal="ring"), "image_share": 0.3, "text": "Typed page"}])

    assert codes(check(data, "pdf_scan", "推荐表.pdf")) == ["pdf.not_scan"]


def test_one_typed_page_among_scans_is_a_warning_naming_the_page(check):
    data = pdf_bytes([{"image": scan_page_image(seal="ring")}, {"text": "Typed"}])

    findings = check(data, "pdf_scan", "推荐表.pdf")

    assert [(f.rule, f.severity, f.location) for f in findings] == [("pdf.not_scan", "warning", "pages 2")]


def test_scan_without_red_seal_is_a_warning(check):
    findings = check(pdf_bytes([{"image": scan_page_image(seal=None)}]), "pdf_scan", "推荐表.pdf")

    assert [(f.rule, f.severity, f.found) for f in findings] == [
        ("pdf.no_seal", "warning", "no red round seal on 1 scanned page(s)")
    ]


def test_red_shapes_that_are_not_rings_are_not_seals(check):
    disc = check(pdf_bytes([{"image": scan_page_image(seal="disc")}]), "pdf_scan", "a.pdf")
    bar = check(pdf_bytes([{"image": scan_page_image(seal="square")}]), "pdf_scan", "b.pdf")

    assert codes(disc) == ["pdf.no_seal"]
    assert codes(bar) == ["pdf.no_seal"]


def test_black_and_white_scan_says_the_seal_cannot_be_seen(check):
    findings = check(pdf_bytes([{"image": scan_page_image(seal="ring", colour=False)}]), "pdf_scan", "推荐表.pdf")

    assert [(f.rule, f.found) for f in findings] == [
        ("pdf.no_seal", "the scan is black and white, so a red seal cannot be seen")
    ]


def test_password_to_open_is_encrypted(check):
    data = encrypt(pdf_bytes([{"image": scan_page_image()}]), user_password="secret", owner_password="owner")

    findings = check(data, "pdf_scan", "推荐表.pdf")

    assert [(f.rule, f.found) for f in findings] == [("pdf.encrypted", "a password is needed to open it")]


def test_owner_password_restrictions_are_encrypted_too(check):
    data = encrypt(pdf_bytes([{"image": scan_page_image()}]), user_password="", owner_password="owner")

    findings = check(data, "pdf_scan", "推荐表.pdf")

    assert [(f.rule, f.found) for f in findings] == [("pdf.encrypted", "restrictions set by an owner password")]


def test_garbage_and_renamed_files_are_unreadable(check):
    garbage = check(b"%PDF-1.7\n" + bytes(range(256)) * 20, "pdf_scan", "a.pdf")
    renamed = check(scan_page_image(), "pdf_scan", "b.pdf")

    assert codes(garbage) == ["pdf.unreadable"]
    assert [(f.rule, f.found) for f in renamed] == [("pdf.unreadable", "the content is a JPEG image")]


def test_proof_documents_need_only_be_readable(check):
    assert check(pdf_bytes([{"text": "Certificate"}]), "pdf_document", "证明材料.pdf") == []
    assert codes(check(b"not a pdf", "pdf_document", "证明材料.pdf")) == ["pdf.unreadable"]


def with_javascript(data: bytes) -> bytes:
    from pypdf.actions import JavaScript

    writer = PdfWriter(clone_from=PdfReader(BytesIO(data)))
    writer.add_open_action(JavaScript("app.alert('hi');"))
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def with_attachment(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(data)))
    writer.add_attachment("payload.exe", b"MZ\x90\x00")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_with_javascript_or_an_attached_file_is_refused(check):
    proof = pdf_bytes([{"text": "证明材料"}])
    assert check(proof, "pdf_document", "证明.pdf") == []
    scripted = check(with_javascript(proof), "pdf_document", "证明.pdf")
    assert [(f.rule, f.found, f.detail) for f in scripted] == [("pdf.active_content", "scripts", "JavaScript")]
    attached = check(with_attachment(proof), "pdf_document", "证明.pdf")
    assert [(f.rule, f.found, f.detail) for f in attached] == [("pdf.active_content", "attached files", "EmbeddedFile")]
