"""The video (附件1 第八条, winners only): MP4, H.264 + AAC, 16:9, 1080P or more, 2–5 minutes.

Never decodes a frame. Three cheap looks:
1. the top-level MP4 boxes (a few reads of 16 bytes): the ftyp major brand tells MP4 from a
   QuickTime .mov renamed .mp4, and a box running past the end of the file means an upload cut short;
2. ffprobe's stream and container description (reads the header/index only);
3. ffprobe reading packets, without decoding, over the last seconds only (-read_intervals seeks
   there through the index): a file cut short cannot deliver packets up to its declared duration.
So a 2 GB file is probed in well under a second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.validation import rules
from cases.validation.findings import FileProblem, Finding, technical
from cases.validation.isolation import ToolMissing, ToolTimeout, private_folder, run_tool
from cases.validation.limits import NOTICE_FORMAT, ValidationContext
from cases.validation.names import display_pattern, follows_pattern, placeholder_case_name, stem_and_extension
from cases.validation.sniff import describe_content, read_head
from cases.validation.units import describe_seconds

QUICKTIME_BRAND = "qt  "
VIDEO_EXTENSION = ".mp4"
MAX_TOP_LEVEL_BOXES = 10_000
END_TOLERANCE_SECONDS = 0.5  # the last packet may end a little before the container's duration


@dataclass(frozen=True)
class BoxWalk:
    major_brand: str | None
    truncated: bool


def walk_top_level_boxes(path: Path) -> BoxWalk:
    """ftyp's major brand, and whether a top-level box claims bytes past the end of the file."""
    file_size = path.stat().st_size
    major_brand = None
    offset = 0
    with path.open("rb") as handle:
        for _index in range(MAX_TOP_LEVEL_BOXES):
            if offset >= file_size:
                return BoxWalk(major_brand, truncated=False)
            handle.seek(offset)
            header = handle.read(16)
            if len(header) < 8:
                return BoxWalk(major_brand, truncated=True)
            size, box_type = int.from_bytes(header[:4], "big"), header[4:8]
            if size == 1:
                if len(header) < 16:
                    return BoxWalk(major_brand, truncated=True)
                size = int.from_bytes(header[8:16], "big")
            elif size == 0:  # "extends to the end of the file": only the packet check can tell
                return BoxWalk(major_brand, truncated=False)
            if box_type == b"ftyp" and offset == 0:
                major_brand = header[8:12].decode("latin-1")
            if size < 8:
                return BoxWalk(major_brand, truncated=True)
            offset += size
            if offset > file_size:
                return BoxWalk(major_brand, truncated=True)
    return BoxWalk(major_brand, truncated=False)


def validate_video(path: Path, context: ValidationContext, *, display_name: str | None = None) -> list[Finding]:
    findings = _check_name(display_name or path.name, context)
    head = read_head(path)
    if head[4:8] not in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return [rules.VIDEO_CONTAINER.finding(found=describe_content(head)), *findings]
    boxes = walk_top_level_boxes(path)
    if boxes.major_brand is None or boxes.major_brand == QUICKTIME_BRAND:
        findings.append(rules.VIDEO_CONTAINER.finding(found=_("a QuickTime movie (.mov)")))
    if boxes.truncated:
        return [rules.VIDEO_UNREADABLE.finding(found=_("the file is cut short (incomplete upload or copy)")), *findings]
    with private_folder(context.temp_root) as folder:
        try:
            description = _probe(path, context, folder, ["-show_format", "-show_streams"])
        except ToolMissing:
            return [*findings, rules.TOOL_UNAVAILABLE.finding(found=_("ffprobe (FFmpeg, needed to read videos)"))]
        except ToolTimeout:
            return [rules.VIDEO_UNREADABLE.finding(found=_("probing took too long")), *findings]
        except ProbeFailed as problem:
            return [rules.VIDEO_UNREADABLE.finding_for(problem), *findings]
        streams = description.get("streams") or []
        video = next((s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")), None)
        if video is None:
            return [rules.VIDEO_UNREADABLE.finding(found=_("there is no picture track")), *findings]
        duration = _float(description.get("format", {}).get("duration")) or _float(video.get("duration"))
        findings += _check_streams(video, streams, context)
        findings += _check_duration(duration)
        if duration:
            findings += _check_end(path, duration, context, folder)
    return findings


def _probe(path: Path, context: ValidationContext, folder: Path, arguments: list[str]) -> dict:
    result = run_tool(
        [context.ffprobe_binary, "-v", "error", "-print_format", "json", *arguments, str(path)],
        timeout=context.limits.ffprobe_timeout_seconds,
        cwd=folder,
        memory_limit=context.limits.tool_memory_bytes,
    )
    try:
        description = json.loads(result.stdout or b"{}")
    except json.JSONDecodeError:
        description = {}
    if result.returncode != 0 or not description:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ProbeFailed(_("the file is damaged or not a video"), technical(detail[-1] if detail else f"ffprobe exit {result.returncode}"))
    return description


class ProbeFailed(FileProblem):
    """ffprobe could not read the file; its last error line is the detail."""


# Codecs by the names video software shows (ffprobe's long names are English descriptions, kept
# for the 技术信息 line). A codec missing here is shown by its short name in capitals.
CODEC_NAMES = {
    "hevc": gettext_lazy("H.265 (HEVC)"), "h264": "H.264", "mpeg4": gettext_lazy("MPEG-4 Part 2"), "mpeg2video": "MPEG-2",
    "mpeg1video": "MPEG-1", "vp8": "VP8", "vp9": "VP9", "av1": "AV1", "prores": "ProRes", "mjpeg": "Motion JPEG",
    "h263": "H.263", "wmv3": "WMV", "msmpeg4v3": "MPEG-4 (Microsoft)", "aac": "AAC", "mp3": "MP3", "mp2": "MP2",
    "ac3": "AC-3", "eac3": "E-AC-3", "opus": "Opus", "vorbis": "Vorbis", "flac": "FLAC", "alac": "ALAC",
    "amr_nb": "AMR", "amr_wb": "AMR-WB",
}


def codec_finding(rule, stream: dict, **kwargs) -> Finding:
    """A codec finding: the codec's usual name as `found`, ffprobe's description as detail."""
    name = str(stream.get("codec_name") or "")
    if name.startswith("pcm_"):
        shown = _("uncompressed PCM")
    else:
        shown = str(CODEC_NAMES.get(name, name.upper() or _("unknown")))
    detail = " / ".join(part for part in (name, str(stream.get("codec_long_name") or "")) if part)
    return rule.finding(found=shown, detail=detail, **kwargs)


def _check_streams(video: dict, streams: list[dict], context: ValidationContext) -> list[Finding]:
    findings: list[Finding] = []
    if video.get("codec_name") != NOTICE_FORMAT.video_codec:
        findings.append(codec_finding(rules.VIDEO_CODEC, video))
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not audio:
        findings.append(rules.VIDEO_AUDIO.finding(found=_("no sound track"), message=rules.VIDEO_NO_SOUND_MESSAGE))
    elif not any(s.get("codec_name") == NOTICE_FORMAT.audio_codec for s in audio):
        findings.append(codec_finding(rules.VIDEO_AUDIO, audio[0]))

    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    display_width, display_height = width * (_ratio(video.get("sample_aspect_ratio")) or 1.0), float(height)
    if abs(_rotation(video)) % 180 == 90:  # a phone held upright: shown as portrait
        width, height = height, width
        display_width, display_height = display_height, display_width
    short_side, long_side = sorted((width, height))
    if short_side < NOTICE_FORMAT.video_min_short_side or long_side < NOTICE_FORMAT.video_min_long_side:
        findings.append(
            rules.VIDEO_RESOLUTION.finding(
                found=f"{width}×{height}", long=NOTICE_FORMAT.video_min_long_side, short=NOTICE_FORMAT.video_min_short_side
            )
        )
    ratio_width, ratio_height = NOTICE_FORMAT.video_aspect
    wanted = ratio_width / ratio_height
    aspect = display_width / display_height if display_height else 0.0
    if display_width <= display_height or abs(aspect - wanted) > wanted * context.limits.video_aspect_tolerance:
        shape = _("portrait") if display_height > display_width else _("landscape")
        findings.append(
            rules.VIDEO_ASPECT.finding(found=f"{shape} {aspect:.2f}:1", ratio=f"{ratio_width}:{ratio_height}")
        )
    return findings


def _check_duration(duration: float | None) -> list[Finding]:
    minimum, maximum = NOTICE_FORMAT.video_min_seconds, NOTICE_FORMAT.video_max_seconds
    if duration is not None and minimum <= duration <= maximum:
        return []
    found = describe_seconds(duration) if duration is not None else _("unknown")
    return [rules.VIDEO_DURATION.finding(found=found, minimum=describe_seconds(minimum), maximum=describe_seconds(maximum))]


def _check_end(path: Path, duration: float, context: ValidationContext, folder: Path) -> list[Finding]:
    """Read the packets of the last seconds (demux only) and see that they reach the end."""
    start = max(0.0, duration - context.limits.video_tail_seconds)
    try:
        packets = _probe(
            path, context, folder,
            ["-read_intervals", f"{start:.3f}%", "-show_entries", "packet=pts_time,dts_time,duration_time,pos,size"],
        ).get("packets", [])
    except ToolTimeout:
        return [rules.VIDEO_UNREADABLE.finding(found=_("probing took too long"))]
    except ProbeFailed as problem:
        return [rules.VIDEO_UNREADABLE.finding_for(problem)]
    file_size = path.stat().st_size
    last_end = 0.0
    for packet in packets:
        time = _float(packet.get("pts_time")) or _float(packet.get("dts_time")) or 0.0
        last_end = max(last_end, time + (_float(packet.get("duration_time")) or 0.0))
        position, size = int(packet.get("pos") or 0), int(packet.get("size") or 0)
        if position + size > file_size:
            last_end = min(last_end, time)
    if last_end + END_TOLERANCE_SECONDS < duration:
        found = _("the file is cut short: its data stops at %(stop)s of %(total)s") % {
            "stop": describe_seconds(last_end), "total": describe_seconds(duration),
        }
        return [rules.VIDEO_UNREADABLE.finding(found=found)]
    return []


def _check_name(file_name: str, context: ValidationContext) -> list[Finding]:
    stem, extension = stem_and_extension(file_name)
    suffixes = NOTICE_FORMAT.video_suffixes
    if extension == VIDEO_EXTENSION and follows_pattern(stem, leading=[context.case_name], suffixes=suffixes):
        return []
    expected = display_pattern([context.case_name, suffixes[0]], [placeholder_case_name(), ""])
    return [rules.VIDEO_NAME.finding(found=file_name, expected=expected)]


def _rotation(stream: dict) -> float:
    for side_data in stream.get("side_data_list") or []:
        if "rotation" in side_data:
            return _float(side_data["rotation"]) or 0.0
    return _float((stream.get("tags") or {}).get("rotate")) or 0.0


def _ratio(value: str | None) -> float | None:
    if not value or ":" not in value:
        return None
    numerator, denominator = value.split(":", 1)
    try:
        result = int(numerator) / int(denominator)
    except (ValueError, ZeroDivisionError):
        return None
    return result or None


def _float(value: object) -> float | None:
    try:
        return float(value) if value not in (None, "", "N/A") else None
    except (TypeError, ValueError):
        return None


