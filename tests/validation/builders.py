"""Fixture files built from scratch: photos (Pillow), Word documents (python-docx and raw OOXML),
PDFs (hand-written PDF syntax), zips (hand-written, for the malformed ones) and videos (ffmpeg)."""

from __future__ import annotations

import math
import random
import shutil
import struct
import subprocess
import zipfile
import zlib
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from docx import Document
from PIL import Image, ImageDraw

from cases.documents.narrative_template import build_conforming_narrative

UNIT_NAME = "山西示例科技有限公司"
CASE_NAME = "煤矸石综合利用新工艺"
REGION_NAME = "太原市"
TITLE = "十年磨一剑：煤矸石变成“金疙瘩”"

HAS_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
HAS_LIBREOFFICE = shutil.which("soffice") is not None


# --- photos ---------------------------------------------------------------------------------
@lru_cache(maxsize=32)
def photo_bytes(
    size: tuple[int, int] = (1800, 1200),
    *,
    seed: int = 1,
    make: str | None = "Canon",
    model: str | None = "EOS R6",
    software: str | None = None,
    orientation: int | None = None,
    gray: str | None = None,  # None, "L" (grayscale JPEG) or "rgb" (RGB file with gray content)
    noisy: bool = True,
) -> bytes:
    """A JPEG; noisy ones compress badly, so 1800×1200 gives > 2 MiB (a 'camera original')."""
    width, height = size
    generator = random.Random(seed)
    if noisy:
        image = Image.frombytes("RGB", size, generator.randbytes(width * height * 3))
    else:
        image = Image.new("RGB", size, (30, 120, 200))
    if gray == "L":
        image = image.convert("L")
    elif gray == "rgb":
        image = image.convert("L").convert("RGB")
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if software:
        exif[0x0131] = software
    if orientation:
        exif[0x0112] = orientation
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def mpo_bytes() -> bytes:
    """A two-frame MPO, as stereo and some phone cameras write."""
    first = Image.open(BytesIO(photo_bytes(seed=7)))
    second = Image.open(BytesIO(photo_bytes(seed=8)))
    buffer = BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second], quality=95, exif=first.getexif())
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (300, 200)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_claimed_size(width: int, height: int) -> bytes:
    """A small JPEG whose SOF header claims another size (a decompression bomb)."""
    data = bytearray(photo_bytes((64, 64), noisy=False))
    start = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, start + 5, height, width)
    return bytes(data)


# --- Word -------------------------------------------------------------------------------------
def conforming_narrative(photos: list[bytes] | None = None) -> bytes:
    return build_conforming_narrative(title=TITLE, unit_name=UNIT_NAME, photos=photos)


@lru_cache(maxsize=1)
def camera_photos() -> tuple[bytes, bytes, bytes]:
    return photo_bytes(seed=1), photo_bytes(seed=2), photo_bytes(seed=3)


def conforming_narrative_with_photos() -> bytes:
    return conforming_narrative(list(camera_photos()))


def open_docx(data: bytes):
    return Document(BytesIO(data))


def save_docx(document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rewrite_parts(data: bytes, **replacements) -> bytes:
    """A copy of an OOXML zip with parts changed: part_name=function(text) -> text (part names
    use __ for / and _dot_ for ., e.g. word__styles_dot_xml)."""
    wanted = {name.replace("__", "/").replace("_dot_", "."): change for name, change in replacements.items()}
    source = zipfile.ZipFile(BytesIO(data))
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in wanted:
                content = wanted[info.filename](content.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, content)
    return buffer.getvalue()


def read_part(data: bytes, name: str) -> str:
    return zipfile.ZipFile(BytesIO(data)).read(name).decode("utf-8")


def body_paragraph_xml(text: str, *, run_properties: str = "", paragraph_properties: str = "") -> str:
    return f"<w:p><w:pPr>{paragraph_properties}</w:pPr><w:r><w:rPr>{run_properties}</w:rPr><w:t>{text}</w:t></w:r></w:p>"


def insert_before_body_end(document_xml: str, fragment: str) -> str:
    return document_xml.replace("<w:sectPr", fragment + "<w:sectPr", 1)


def form_with_narrative(*, layout: str, photos: list[bytes] | None = None) -> bytes:
    """A 推荐表 whose narrative sits in the 案例概要 cell ('cell') or after the table ('appendix')."""
    document = open_docx(conforming_narrative(photos))
    body = document.element.body
    narrative = [child for child in body if child.tag.endswith("}p")]
    table = document.add_table(rows=3, cols=2)
    table.style = None
    table.cell(0, 0).text = "案例名称"
    table.cell(0, 1).text = CASE_NAME
    table.cell(1, 0).text = "案例概要"
    table.cell(2, 0).text = "荣誉奖励"
    table.cell(2, 1).text = "省级科技进步二等奖"
    summary_cell = table.cell(1, 1)
    summary_cell.paragraphs[0].text = "请您结合上述选择的案例类型，详细阐述科技人员从受到启发到锚定方向的励志故事。"
    summary_cell.add_paragraph("格式要求:文章主标题使用“预设样式”中的“标题 1”,三号黑体,副标题为三号楷体，照片格式为上下型环绕。")
    body.remove(table._tbl)
    body.insert(0, table._tbl)
    if layout == "cell":
        for paragraph in narrative:
            summary_cell._tc.append(paragraph)
    else:
        summary_cell.add_paragraph("见附页")
    return save_docx(document)


def ole_file(stream_names: list[str]) -> bytes:
    """Bytes shaped like an OLE compound file whose directory lists `stream_names` (enough for
    sniffing; not a document any program could open)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    entries = b""
    for index, name in enumerate(["Root Entry", *stream_names]):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry = encoded.ljust(64, b"\x00") + struct.pack("<H", len(encoded)) + bytes([5 if index == 0 else 2])
        entries += entry.ljust(128, b"\x00")
    return header + entries.ljust(512, b"\x00") + bytes(1024)


def minimal_pptx(slide_count: int) -> bytes:
    slide_ids = "".join(f'<p:sldId id="{256 + i}" r:id="rId{i + 1}"/>' for i in range(slide_count))
    relationships = "".join(
        f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide{i + 1}.xml"/>'
        for i in range(slide_count)
    )
    namespaces = (
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    )
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>'
            + "".join(
                f'<Override PartName="/ppt/slides/slide{i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>'
                for i in range(slide_count)
            )
            + "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="ppt/presentation.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "ppt/presentation.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><p:presentation {namespaces}><p:sldIdLst>{slide_ids}</p:sldIdLst>'
            '<p:sldSz cx="12192000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>',
        )
        archive.writestr(
            "ppt/_rels/presentation.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{relationships}</Relationships>',
        )
        for i in range(slide_count):
            archive.writestr(
                f"ppt/slides/slide{i + 1}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><p:sld {namespaces}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/>'
                "<p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/></p:spTree></p:cSld></p:sld>",
            )
    return buffer.getvalue()


def libreoffice_convert(source: Path, target_format: str, out_dir: Path) -> Path:
    """Convert with LibreOffice, as a user's own LibreOffice would write the file."""
    profile = out_dir / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", target_format, "--outdir", str(out_dir), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    return out_dir / f"{source.stem}.{target_format.split(':')[0]}"


# --- PDF ------------------------------------------------------------------------------------
def scan_page_image(*, seal: str | None = "ring", colour: bool = True, size: tuple[int, int] = (1240, 1754)) -> bytes:
    """A 150-dpi A4 'scan': black text lines, and a seal: 'ring' (red round seal), 'disc' (a
    filled red circle, like a logo), 'square' (a red box), or None."""
    image = Image.new("RGB", size, (250, 250, 247))
    draw = ImageDraw.Draw(image)
    for line in range(30):
        y = 150 + line * 45
        draw.rectangle((120, y, 1100 - (line % 5) * 60, y + 14), fill=(20, 20, 20))
    red = (215, 30, 35)
    centre, radius = (900, 1350), 170
    if seal == "ring":
        draw.ellipse((centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius), outline=red, width=10)
        points = [
            (centre[0] + (60 if i % 2 == 0 else 24) * math.sin(i * math.pi / 5), centre[1] - (60 if i % 2 == 0 else 24) * math.cos(i * math.pi / 5))
            for i in range(10)
        ]
        draw.polygon(points, fill=red)
        for i in range(12):  # the unit's name around the ring
            angle = math.pi * (0.8 + i / 8)
            x, y = centre[0] + 120 * math.cos(angle), centre[1] + 120 * math.sin(angle)
            draw.rectangle((x - 12, y - 12, x + 12, y + 12), fill=red)
    elif seal == "disc":
        draw.ellipse((centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius), fill=red)
    elif seal == "square":
        draw.rectangle((centre[0] - radius, centre[1] - 20, centre[0] + radius, centre[1] + 20), fill=red)
    if not colour:
        image = image.convert("L")
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def pdf_bytes(pages: list[dict]) -> bytes:
    """A PDF of A4 pages. Each page dict may hold 'image' (JPEG bytes, drawn over the page's
    `image_share` of width and height, default 1.0) and 'text' (str), drawn with `render_mode`
    (0 visible, 3 invisible as in OCR layers)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    page_ids = []
    pages_id_placeholder = len(objects) + 1 + 2 * len(pages) + sum(1 for page in pages if "image" in page)
    for page in pages:
        content = b""
        resources = f"/Font << /F1 {font} 0 R >>".encode()
        if "image" in page:
            with Image.open(BytesIO(page["image"])) as image:
                width, height = image.size
                colour_space = "/DeviceGray" if image.mode == "L" else "/DeviceRGB"
            image_id = add(
                f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace {colour_space} "
                f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(page['image'])} >>\nstream\n".encode()
                + page["image"] + b"\nendstream"
            )
            share = page.get("image_share", 1.0)
            content += f"q {595 * share:.2f} 0 0 {842 * share:.2f} 0 0 cm /Im1 Do Q\n".encode()
            resources += f" /XObject << /Im1 {image_id} 0 R >>".encode()
        if "text" in page:
            content += f"BT {page.get('render_mode', 0)} Tr /F1 12 Tf 72 770 Td ({page['text']}) Tj ET\n".encode()
        content_id = add(f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream")
        page_ids.append(
            add(
                f"<< /Type /Page /Parent {pages_id_placeholder} 0 R /MediaBox [0 0 595 842] "
                f"/Resources << {resources.decode()} >> /Contents {content_id} 0 R >>".encode()
            )
        )
    kids = " ".join(f"{page_id} 0 R" for page_id in page_ids)
    pages_id = add(f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode())
    assert pages_id == pages_id_placeholder
    catalog = add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(output)
    output += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    output += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    output += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(output)


# --- zip ------------------------------------------------------------------------------------
def raw_zip(entries: list[dict]) -> bytes:
    """A zip written byte by byte. Entry keys: name (bytes), data (bytes), utf8 (flag), compress
    (deflate), flags (extra flag bits), external_attr, offset_of (index of an earlier entry whose
    local header this central record points to: overlapping entries)."""
    local = bytearray()
    central = bytearray()
    records = []
    for index, entry in enumerate(entries):
        name, data = entry["name"], entry.get("data", b"")
        flags = entry.get("flags", 0) | (0x800 if entry.get("utf8") else 0)
        if entry.get("compress"):
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            stored, method = compressor.compress(data) + compressor.flush(), 8
        else:
            stored, method = data, 0
        crc = zlib.crc32(data)
        if "offset_of" in entry:
            offset, crc, stored_size, size, method = records[entry["offset_of"]]
        else:
            offset = len(local)
            local += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, 0, 0x21, crc, len(stored), len(data), len(name), 0)
            local += name + stored
            stored_size, size = len(stored), len(data)
        records.append((offset, crc, stored_size, size, method))
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0x031E, 20, flags, method, 0, 0x21, crc, stored_size, size,
            len(name), 0, 0, 0, 0, entry.get("external_attr", 0o100644 << 16), offset,
        )
        central += name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(local), 0)
    return bytes(local + central + end)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- video ---------------------------------------------------------------------------------
def make_video(
    path: Path,
    *,
    seconds: float = 125,
    size: str = "1920x1080",
    video_codec: str = "libx264",
    audio_codec: str | None = "aac",
    container: str = "mp4",
    faststart: bool = True,
    extra: tuple[str, ...] = (),
) -> Path:
    """A test video at 1 frame per second (cheap to encode, every property real)."""
    arguments = ["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=1:duration={seconds}"]
    if audio_codec:
        arguments += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", audio_codec]
    arguments += ["-c:v", video_codec, *extra]
    if video_codec == "libx264":
        arguments += ["-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if faststart and container == "mp4":
        arguments += ["-movflags", "+faststart"]
    arguments += ["-f", container, str(path)]
    subprocess.run(arguments, check=True, capture_output=True, timeout=300)
    return path


def truncate(path: Path, share: float, target: Path) -> Path:
    data = path.read_bytes()
    target.write_bytes(data[: int(len(data) * share)])
    return target


def set_mdat_size_to_open_ended(path: Path) -> None:
    """Rewrite the mdat box's size as 0 ('to the end of the file'), as some muxers write it, so
    that only reading packets can tell a cut file."""
    data = bytearray(path.read_bytes())
    position = data.index(b"mdat") - 4
    data[position : position + 4] = b"\x00\x00\x00\x00"
    path.write_bytes(bytes(data))


