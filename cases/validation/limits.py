"""Every number of the notice the checks use, and every safety limit, in one place.

`NOTICE_FORMAT` holds what 附件1/附件3 fix for everyone (styles, fonts, sizes, counts): it changes
only with the notice. `ValidationLimits` holds what a campaign may tune (length margin, size
floors, safety limits, timeouts); a campaign passes its own through `ValidationContext`.
Messages receive these numbers as parameters and never restate them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


@dataclass(frozen=True)
class NoticeFormat:
    """格式要求 of 附件1 / 附件3. Sizes in half-points (w:sz), spacing in twentieths of a point."""

    title_style_name: str = "heading 1"  # 预设样式 “标题1”, matched by name, case-insensitively
    title_font_family: str = "黑体"
    title_size_half_points: int = 32  # 三号 = 16 pt
    subtitle_font_family: str = "楷体"
    subtitle_size_half_points: int = 32  # 三号
    body_font_family: str = "宋体"
    body_size_half_points: int = 28  # 四号 = 14 pt
    first_line_indent_chars: int = 200  # w:firstLineChars, hundredths of a character: 2 字符
    line_spacing_twips: int = 440  # 固定值 22 磅, w:line with w:lineRule="exact"
    exterior_images: int = 1  # 插入1张企业外景图片
    case_images: int = 2  # 插入2张典型案例图片
    max_images: int = 3  # 不多于3张
    # Outline parts (提纲), keywords any of which marks the part's heading.
    outline_parts: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("企业简介及所获荣誉奖励", ("企业简介", "荣誉奖励")),
        ("典型案例励志故事", ("典型案例", "励志故事", "创新故事", "攻克")),
        ("创新成果应用", ("成果应用", "创新成果")),
        ("经验与启示", ("经验与启示", "启示", "经验")),
    )
    # Video (附件1 第八条): MP4, H.264 + AAC, 16:9, 1080P or more, 2–5 minutes.
    video_codec: str = "h264"
    audio_codec: str = "aac"
    video_min_short_side: int = 1080
    video_min_long_side: int = 1920
    video_aspect: tuple[int, int] = (16, 9)
    video_min_seconds: int = 120
    video_max_seconds: int = 300
    case_photo_aspect: tuple[int, int] = (3, 2)  # 横幅3:2
    # Name suffixes (文件名为“案例名称+企业外景” ...); alternatives after the first are accepted.
    exterior_photo_suffixes: tuple[str, ...] = ("企业外景",)
    product_photo_suffixes: tuple[str, ...] = ("实物图", "实物")
    scene_photo_suffixes: tuple[str, ...] = ("场景图", "场景")
    video_suffixes: tuple[str, ...] = ("视频",)
    photo_folder_suffix: str = "照片"  # “单位名称+照片”


NOTICE_FORMAT = NoticeFormat()


@dataclass(frozen=True)
class ValidationLimits:
    """Campaign settings and safety limits. Defaults are the portal's readings of the notice."""

    # 附件3 一般不超过2000字, counted as Word's 字数: a note above the first, a warning above the second
    # (the portal's tolerance, 约2000字 + 10%). A campaign sets both (Campaign.narrative_*_chars).
    narrative_notice_chars: int = 2000
    narrative_max_chars: int = 2200
    talk_text_min_chars: int = 1800  # 宣讲文字材料 2000字左右 ± 10%
    talk_text_max_chars: int = 2200
    min_photo_bytes: int = 2 * MIB  # “2MB” as Windows shows sizes, for photos and embedded images
    aspect_tolerance: float = 0.03  # ±3% for photos
    video_aspect_tolerance: float = 0.02
    # PDF scans: a page is a scan when one image covers this share of it.
    scan_min_page_coverage: float = 0.6
    pdf_max_pages_checked: int = 40
    # Safety limits for untrusted files.
    max_image_pixels: int = 150_000_000  # decompression-bomb limit (a 100 MP camera passes)
    max_xml_part_bytes: int = 64 * MIB
    max_ooxml_members: int = 2000
    zip_max_member_ratio: int = 200  # 200:1
    zip_ratio_floor_bytes: int = 1 * MIB  # the ratio is judged only on members larger than this
    zip_max_total_bytes: int = 4 * GIB
    zip_max_members: int = 500
    max_file_bytes: dict[str, int] = field(
        default_factory=lambda: {
            "narrative": 200 * MIB,
            "talk_text": 200 * MIB,
            "photo": 100 * MIB,
            "pdf": 500 * MIB,
            "ppt": 1 * GIB,
            "video": 8 * GIB,
            "package": 8 * GIB,
        }
    )
    libreoffice_timeout_seconds: float = 120.0
    # Address space of an outside program reading an upload (LibreOffice, ffprobe, the python-docx
    # merge of the 推荐表): a file that gets past the caps above still cannot take the host's memory.
    tool_memory_bytes: int = 2 * GIB
    ffprobe_timeout_seconds: float = 30.0
    # Video: how much before the end to start reading packets when checking for truncation.
    video_tail_seconds: float = 3.0


@dataclass(frozen=True)
class ValidationContext:
    """What a check knows besides the file: the case it belongs to and the campaign's limits.

    Names may be None (unknown); the checks that need them then skip what they cannot judge.
    `temp_root` is where per-call temporary folders are made (None: the system default).
    """

    unit_name: str | None = None
    case_name: str | None = None
    region_name: str | None = None
    limits: ValidationLimits = field(default_factory=ValidationLimits)
    temp_root: Path | None = None
    libreoffice_binary: str = "soffice"
    ffprobe_binary: str = "ffprobe"


def campaign_limits(campaign) -> ValidationLimits:
    """The limits with the numbers a campaign sets (the narrative's lengths, cases.models.Campaign);
    the rest are the portal's defaults. Part of every check's key: a change re-checks the files."""
    return replace(ValidationLimits(), narrative_notice_chars=campaign.narrative_notice_chars,
                   narrative_max_chars=campaign.narrative_max_chars)
