"""The electronic package: names, members, UTF-8 flags, untouched bytes and streaming."""

import hashlib
import io
import shutil
import subprocess
import tracemalloc
import zipfile

import pytest
from docx import Document

from cases.documents import package
from cases.documents.naming import join_name, sanitize_name_part
from cases.enums import UploadSlot
from cases.generation import generate_filled_form
from tests.documents.conftest import CASE_TITLE, NARRATIVE_TITLE, UNIT_NAME, jpeg_bytes, narrative_docx, pdf_bytes

ZIP_NAME = f"太原市+{UNIT_NAME}+{CASE_TITLE}.zip"
PHOTO_FOLDER = f"{UNIT_NAME}+照片"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_zip(case) -> zipfile.ZipFile:
    # The download waits for the worker to build the 推荐表 (cases.generation); then it streams.
    generate_filled_form(case.pk)
    return zipfile.ZipFile(io.BytesIO(b"".join(package.stream_package(case))))


@pytest.fixture
def full_case(case, make_upload):
    """A case with every slot of the package filled, and the photos' bytes."""
    photos = {
        UploadSlot.PHOTO_EXTERIOR: jpeg_bytes(seed=1),
        UploadSlot.PHOTO_PRODUCT: jpeg_bytes(seed=2),
        UploadSlot.PHOTO_SCENE: jpeg_bytes(seed=3),
    }
    make_upload(case, UploadSlot.FORM_SCAN, pdf_bytes(seed=10), "推荐表盖章.PDF")
    make_upload(case, UploadSlot.PROOF, pdf_bytes(seed=11), "获奖证书.pdf")
    make_upload(case, UploadSlot.NARRATIVE, narrative_docx(), "案例概要.docx")
    make_upload(case, UploadSlot.PHOTO_EXTERIOR, photos[UploadSlot.PHOTO_EXTERIOR], "IMG_0001.JPEG")
    make_upload(case, UploadSlot.PHOTO_PRODUCT, photos[UploadSlot.PHOTO_PRODUCT], "DSC01.jpg")
    make_upload(case, UploadSlot.PHOTO_SCENE, photos[UploadSlot.PHOTO_SCENE], "现场.jpg")
    return case, photos


@pytest.mark.django_db
def test_package_filename_is_region_unit_and_case_joined_by_plus(case):
    assert package.package_filename(case) == ZIP_NAME
    assert package.package_stem(case) == ZIP_NAME.removesuffix(".zip")
    assert package.photo_folder(case) == PHOTO_FOLDER


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ('智能/焦化\\工艺:创新*案例?"一"<二>|三', "智能_焦化_工艺_创新_案例__一__二__三"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..隐藏文件", "隐藏文件"),
        ("  多个   空格\t和换行\n ", "多个 空格 和换行"),
        ("结尾的点。..", "结尾的点。"),
        ("A+B＋C", "A+B＋C"),
        ("CON", "_CON"),
        ("", "未命名"),
        ("...", "未命名"),
    ],
)
def test_name_parts_are_sanitised_but_keep_plus_and_chinese(raw, safe):
    assert sanitize_name_part(raw) == safe


def test_name_parts_are_capped_in_length():
    assert sanitize_name_part("长" * 200) == "长" * 80
    assert join_name("甲/乙", "丙", extension="jpg") == "甲_乙+丙.jpg"


@pytest.mark.django_db
def test_package_holds_exactly_the_named_members_with_utf8_flags(full_case):
    case, photos = full_case

    with read_zip(case) as archive:
        names = archive.namelist()
        infos = archive.infolist()
        assert archive.testzip() is None

    assert names == [
        f"{CASE_TITLE}+推荐表.docx",
        f"{CASE_TITLE}+推荐表（盖章扫描版）.pdf",
        f"{CASE_TITLE}+证明材料.pdf",
        f"{CASE_TITLE}+案例概要.docx",
        f"{CASE_TITLE}+企业外景.jpg",  # 附件1 二、1: “另再…单独发送1份”
        f"{PHOTO_FOLDER}/{CASE_TITLE}+企业外景.jpg",
        f"{PHOTO_FOLDER}/{CASE_TITLE}+实物图.jpg",
        f"{PHOTO_FOLDER}/{CASE_TITLE}+场景图.jpg",
    ]
    assert all(info.flag_bits & 0x800 for info in infos)
    assert all(info.compress_type == zipfile.ZIP_STORED for info in infos)


@pytest.mark.django_db
def test_uploaded_files_are_copied_byte_for_byte(full_case):
    case, photos = full_case
    uploads = {upload.slot: upload for upload in case.uploads.all()}

    with read_zip(case) as archive:
        for slot, name in [
            (UploadSlot.PHOTO_EXTERIOR, f"{CASE_TITLE}+企业外景.jpg"),
            (UploadSlot.PHOTO_EXTERIOR, f"{PHOTO_FOLDER}/{CASE_TITLE}+企业外景.jpg"),
            (UploadSlot.PHOTO_PRODUCT, f"{PHOTO_FOLDER}/{CASE_TITLE}+实物图.jpg"),
            (UploadSlot.PHOTO_SCENE, f"{PHOTO_FOLDER}/{CASE_TITLE}+场景图.jpg"),
        ]:
            data = archive.read(name)
            assert sha256(data) == sha256(photos[slot]) == uploads[slot].sha256
        assert sha256(archive.read(f"{CASE_TITLE}+证明材料.pdf")) == uploads[UploadSlot.PROOF].sha256
        assert sha256(archive.read(f"{CASE_TITLE}+推荐表（盖章扫描版）.pdf")) == uploads[UploadSlot.FORM_SCAN].sha256
        assert sha256(archive.read(f"{CASE_TITLE}+案例概要.docx")) == uploads[UploadSlot.NARRATIVE].sha256


@pytest.mark.django_db
def test_generated_form_in_the_package_is_filled_and_carries_the_narrative(full_case):
    case, _photos = full_case

    with read_zip(case) as archive:
        document = Document(io.BytesIO(archive.read(f"{CASE_TITLE}+推荐表.docx")))

    cells = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert cells["案例名称"] == CASE_TITLE
    assert cells["案例类型"] == "组织创新□　　技术创新☑　　工艺创新□"
    assert cells["案例概要"] == "详见附页。"
    assert NARRATIVE_TITLE in [p.text for p in document.paragraphs]
    assert len(document.inline_shapes) == 1


@pytest.mark.django_db
def test_an_uploaded_word_form_is_packaged_instead_of_the_generated_one(case, make_upload):
    own_form = narrative_docx()
    make_upload(case, UploadSlot.FORM_WORD, own_form, "推荐表（终稿）.docx")

    with read_zip(case) as archive:
        assert archive.namelist() == [f"{CASE_TITLE}+推荐表.docx"]
        assert archive.read(f"{CASE_TITLE}+推荐表.docx") == own_form


@pytest.mark.django_db
def test_without_uploads_the_package_holds_the_generated_form_only(case):
    with read_zip(case) as archive:
        assert archive.namelist() == [f"{CASE_TITLE}+推荐表.docx"]
        document = Document(io.BytesIO(archive.read(f"{CASE_TITLE}+推荐表.docx")))
    assert document.tables[0].rows[0].cells[1].text == CASE_TITLE


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_legacy_doc_narrative_is_converted_into_the_packaged_form(case, make_upload, tmp_path):
    source = tmp_path / "narrative.docx"
    source.write_bytes(narrative_docx())
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--norestore",
         "--convert-to", "doc", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    legacy = (tmp_path / "narrative.doc").read_bytes()
    make_upload(case, UploadSlot.NARRATIVE, legacy, "案例概要.doc")

    with read_zip(case) as archive:
        assert archive.read(f"{CASE_TITLE}+案例概要.doc") == legacy
        document = Document(io.BytesIO(archive.read(f"{CASE_TITLE}+推荐表.docx")))
    cells = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert cells["案例概要"] == "详见附页。"
    assert NARRATIVE_TITLE in [paragraph.text for paragraph in document.paragraphs]


@pytest.mark.django_db
def test_a_legacy_file_that_cannot_be_converted_is_packaged_but_not_merged(case, make_upload):
    # An OLE file without a Word stream: the form goes without 附页, the file itself is in the package.
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    make_upload(case, UploadSlot.NARRATIVE, legacy, "案例概要.DOC")

    with read_zip(case) as archive:
        assert archive.namelist() == [f"{CASE_TITLE}+推荐表.docx", f"{CASE_TITLE}+案例概要.doc"]
        assert archive.read(f"{CASE_TITLE}+案例概要.doc") == legacy
        document = Document(io.BytesIO(archive.read(f"{CASE_TITLE}+推荐表.docx")))
    cells = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert cells["案例概要"].startswith("请您结合上述选择的案例类型")


@pytest.mark.django_db
def test_only_current_uploads_are_packaged_and_several_proofs_are_numbered(case, make_upload):
    old_photo = jpeg_bytes(seed=20)
    new_photo = jpeg_bytes(seed=21)
    make_upload(case, UploadSlot.PHOTO_EXTERIOR, old_photo, "old.jpg", superseded=True)
    make_upload(case, UploadSlot.PHOTO_EXTERIOR, new_photo, "new.jpg")
    first, second = pdf_bytes(seed=30), pdf_bytes(seed=31)
    make_upload(case, UploadSlot.PROOF, first, "a.pdf")
    make_upload(case, UploadSlot.PROOF, second, "b.pdf")
    make_upload(case, UploadSlot.PROOF, pdf_bytes(seed=32), "old.pdf", superseded=True)

    members = package.package_members(case)

    assert [member.arcname for member in members] == [
        f"{CASE_TITLE}+推荐表.docx",
        f"{CASE_TITLE}+证明材料1.pdf",
        f"{CASE_TITLE}+证明材料2.pdf",
        f"{CASE_TITLE}+企业外景.jpg",
        f"{PHOTO_FOLDER}/{CASE_TITLE}+企业外景.jpg",
    ]
    with read_zip(case) as archive:
        assert archive.read(f"{PHOTO_FOLDER}/{CASE_TITLE}+企业外景.jpg") == new_photo
        assert archive.read(f"{CASE_TITLE}+证明材料1.pdf") == first
        assert archive.read(f"{CASE_TITLE}+证明材料2.pdf") == second


@pytest.mark.django_db
def test_hostile_case_and_unit_names_cannot_escape_the_package(case, make_upload):
    case.title = "../../..\\恶意:案例"
    case.enterprise.name = ".隐藏/单位"
    make_upload(case, UploadSlot.PHOTO_SCENE, jpeg_bytes(seed=5), "../../x.jpg")

    names = [member.arcname for member in package.package_members(case)]

    assert package.package_filename(case) == "太原市+隐藏_单位+_.._.._恶意_案例.zip"
    assert names == ["_.._.._恶意_案例+推荐表.docx", "隐藏_单位+照片/_.._.._恶意_案例+场景图.jpg"]
    for name in names:
        assert not name.startswith(("/", ".")) and "\\" not in name and ".." not in name.split("/")


@pytest.mark.django_db
def test_members_can_be_moved_into_a_folder_for_the_batch_zip(case):
    members = [member.in_folder(package.package_stem(case)) for member in package.package_members(case)]

    assert [member.arcname for member in members] == [f"{ZIP_NAME.removesuffix('.zip')}/{CASE_TITLE}+推荐表.docx"]


def test_ascii_entry_names_also_carry_the_utf8_flag():
    chunks = list(package.stream_zip([package.PackageMember("readme.txt", lambda: b"hello")]))

    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        (info,) = archive.infolist()
        assert (info.filename, info.flag_bits & 0x800, archive.read("readme.txt")) == ("readme.txt", 0x800, b"hello")


@pytest.mark.django_db
def test_package_streams_in_small_chunks_with_a_20_mb_upload(case, make_upload, tmp_path):
    big = pdf_bytes(20 * 1024 * 1024, seed=40)
    make_upload(case, UploadSlot.PROOF, big, "big.pdf")
    photo = jpeg_bytes(seed=41)
    make_upload(case, UploadSlot.PHOTO_PRODUCT, photo, "p.jpg")
    expected_sha = sha256(big)
    del big
    target = tmp_path / "package.zip"
    sizes = []

    tracemalloc.start()
    try:
        with open(target, "wb") as out:
            for chunk in package.stream_package(case):
                sizes.append(len(chunk))
                out.write(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert sum(sizes) == target.stat().st_size > 20 * 1024 * 1024
    assert len(sizes) > 300  # 20 MiB in 64 KiB pieces
    assert max(sizes) <= package.CHUNK_SIZE + 4096  # a chunk plus at most a header
    assert peak < 6 * 1024 * 1024  # far below the zip's 20 MiB
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert sha256(archive.read(f"{CASE_TITLE}+证明材料.pdf")) == expected_sha
        assert archive.read(f"{PHOTO_FOLDER}/{CASE_TITLE}+实物图.jpg") == photo


@pytest.mark.django_db
def test_stream_package_is_a_generator_that_starts_lazily(case, make_upload):
    make_upload(case, UploadSlot.PHOTO_SCENE, jpeg_bytes(seed=6), "s.jpg")

    stream = package.stream_package(case)
    first = next(stream)

    assert first.startswith(b"PK\x03\x04")
    stream.close()


@pytest.mark.django_db
def test_the_photo_folder_is_also_its_own_zip(full_case):
    case, photos = full_case

    with zipfile.ZipFile(io.BytesIO(b"".join(package.stream_photo_folder(case)))) as archive:
        names = archive.namelist()
        data = {name: archive.read(name) for name in names}

    assert package.photo_folder_filename(case) == f"{PHOTO_FOLDER}.zip"
    assert names == [f"{PHOTO_FOLDER}/{CASE_TITLE}+企业外景.jpg", f"{PHOTO_FOLDER}/{CASE_TITLE}+实物图.jpg",
                     f"{PHOTO_FOLDER}/{CASE_TITLE}+场景图.jpg"]
    assert [data[name] for name in names] == [photos[UploadSlot.PHOTO_EXTERIOR], photos[UploadSlot.PHOTO_PRODUCT],
                                              photos[UploadSlot.PHOTO_SCENE]]


@pytest.mark.django_db
def test_the_package_passes_the_portals_own_package_check_for_names_and_slots(full_case, tmp_path):
    # What the portal writes is what validate_file --kind package accepts: the exterior photo on its
    # own beside the folder is the notice's separate copy, not a duplicate or a stray.
    from cases.validation import ValidationContext, validate_file

    case, _photos = full_case
    generate_filled_form(case.pk)
    path = tmp_path / package.package_filename(case)
    path.write_bytes(b"".join(package.stream_package(case)))

    findings = validate_file(path, "package", context=ValidationContext(), display_name=path.name)

    assert [f.rule for f in findings if f.rule.startswith("package.")] == []
