"""Video rules (video.*) on real files made by ffmpeg (skipped only where ffmpeg is absent)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from django.utils import translation

from cases.validation import ValidationContext, validate_file
from cases.validation.video import walk_top_level_boxes
from tests.validation.builders import CASE_NAME, HAS_FFMPEG, make_video, set_mdat_size_to_open_ended, truncate
from tests.validation.conftest import codes

pytestmark = pytest.mark.skipif(not HAS_FFMPEG, reason="ffmpeg/ffprobe are not installed")
NAME = f"{CASE_NAME}+视频.mp4"


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="module")
def conforming(videos) -> Path:
    return make_video(videos / "good.mp4")


def run(path: Path, name: str = NAME, context: ValidationContext | None = None):
    return validate_file(path, "video", context=context or ValidationContext(case_name=CASE_NAME), display_name=name)


def test_conforming_video_passes_quickly(conforming):
    started = time.monotonic()
    findings = run(conforming)
    elapsed = time.monotonic() - started

    assert findings == []
    assert elapsed < 2


def test_quicktime_renamed_to_mp4_is_not_mp4(videos):
    path = make_video(videos / "movie.mp4", container="mov")

    findings = run(path)

    assert [(f.rule, f.found) for f in findings] == [("video.container", "a QuickTime movie (.mov)")]


def test_other_containers_are_not_mp4(videos):
    path = make_video(videos / "clip.mkv", container="matroska")

    assert [(f.rule, f.found) for f in run(path)] == [("video.container", "Matroska/WebM video")]


def test_codec_other_than_h264(videos):
    path = make_video(videos / "mpeg4.mp4", video_codec="mpeg4")

    findings = run(path)

    assert codes(findings) == ["video.codec"]
    assert "MPEG-4" in findings[0].found


def test_missing_sound_and_non_aac_sound(videos):
    silent = make_video(videos / "silent.mp4", audio_codec=None)
    mp3 = make_video(videos / "mp3.mp4", audio_codec="libmp3lame")

    assert [(f.rule, f.severity, f.found) for f in run(silent)] == [("video.audio", "error", "no sound track")]
    assert codes(run(mp3)) == ["video.audio"]


def test_video_messages_read_as_natural_chinese(videos):
    silent = make_video(videos / "silent-zh.mp4", audio_codec=None)
    small = make_video(videos / "hd-zh.mp4", size="1280x720")

    with translation.override("zh-hans"):
        no_sound = run(silent)
        low_resolution = run(small)

    assert [(f.message, f.fix) for f in no_sound] == [("视频没有音轨，须有 AAC 音频。", "请用 AAC 音频编码导出视频。")]
    assert [f.message for f in low_resolution] == ["视频分辨率为1280×720，须不低于1920×1080（1080p）。"]


def test_720p_is_below_1080p(videos):
    path = make_video(videos / "hd.mp4", size="1280x720")

    assert [(f.rule, f.found) for f in run(path)] == [("video.resolution", "1280×720")]


def test_four_by_three_is_not_sixteen_by_nine(videos):
    path = make_video(videos / "square.mp4", size="1920x1440")

    assert [(f.rule, f.found) for f in run(path)] == [("video.aspect", "landscape 1.33:1")]


def test_anamorphic_video_is_judged_by_its_display_aspect(videos):
    path = make_video(videos / "anamorphic.mp4", size="1440x1080", extra=("-vf", "setsar=4/3"))

    assert codes(run(path)) == ["video.resolution"]  # 1440 wide in pixels, but shown 16:9


def test_rotated_phone_clip_is_portrait(conforming, videos):
    path = videos / "phone.mp4"
    subprocess.run(
        ["ffmpeg", "-y", "-v", "error", "-i", str(conforming), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(path)],
        check=True, timeout=120,
    )

    assert [(f.rule, f.found) for f in run(path)] == [("video.aspect", "portrait 0.56:1")]


@pytest.mark.parametrize(("seconds", "found"), [(60, "1 min 00 s"), (310, "5 min 10 s")])
def test_duration_outside_two_to_five_minutes(videos, seconds, found):
    path = make_video(videos / f"len{seconds}.mp4", seconds=seconds)

    assert [(f.rule, f.found, f.expected) for f in run(path)] == [("video.duration", found, "2 min 00 s to 5 min 00 s")]


def test_cut_short_upload_is_caught_from_the_box_sizes(conforming, videos):
    cut = truncate(conforming, 0.6, videos / "cut.mp4")

    assert walk_top_level_boxes(cut).truncated is True
    assert [(f.rule, f.found) for f in run(cut)] == [("video.unreadable", "the file is cut short (incomplete upload or copy)")]


def test_cut_short_upload_is_caught_by_reading_the_last_packets(conforming, videos):
    cut = truncate(conforming, 0.6, videos / "cut-open-ended.mp4")
    set_mdat_size_to_open_ended(cut)
    assert walk_top_level_boxes(cut).truncated is False

    findings = run(cut)

    assert codes(findings) == ["video.unreadable"]
    assert findings[0].found.startswith("the file is cut short: its data stops at ")


def test_cut_without_its_index_is_unreadable(videos):
    index_at_end = make_video(videos / "index-at-end.mp4", faststart=False)
    cut = truncate(index_at_end, 0.9, videos / "cut-no-index.mp4")

    assert codes(run(cut)) == ["video.unreadable"]


def test_name_follows_the_pattern(conforming):
    findings = run(conforming, name="final_v3.mp4")

    assert [(f.rule, f.severity, f.expected) for f in findings] == [("video.name", "warning", f"{CASE_NAME}+视频")]


def test_missing_ffprobe_is_said_plainly(conforming):
    context = ValidationContext(case_name=CASE_NAME, ffprobe_binary="ffprobe-not-installed")

    findings = run(conforming, context=context)

    assert [(f.rule, f.found) for f in findings] == [("tool.unavailable", "ffprobe (FFmpeg, needed to read videos)")]


def test_jpeg_named_mp4_is_not_a_video(tmp_path):
    from tests.validation.builders import photo_bytes

    path = tmp_path / NAME
    path.write_bytes(photo_bytes((64, 64), noisy=False))

    assert [(f.rule, f.found) for f in run(path)] == [("video.container", "JPEG image")]
