"""Benchmark of the validators: files validated per second for each kind, peak memory, and the
probe time of a 2 GB video.

    .venv/bin/python bench/bench_validation.py [--rounds 5] [--video-gb 2] [--keep DIR]

Fixtures are built first (see tests/validation/builders.py); only validation is timed. Peak
memory is given two ways: Python allocations during validation (tracemalloc) and the process's
maximum resident size (getrusage; includes the fixtures and the libraries). Outside programs
(ffprobe, LibreOffice) run in their own processes: their memory is reported as children's.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from cases.validation import ValidationContext, validate_file  # noqa: E402
from tests.validation import builders  # noqa: E402


def build_fixtures(folder: Path) -> list[tuple[str, Path, str]]:
    """(kind, path, display name) for a conforming file of each kind."""
    photos = builders.camera_photos()
    files: list[tuple[str, str, bytes]] = [
        ("narrative", "案例概要.docx", builders.conforming_narrative_with_photos()),
        ("narrative", "推荐表.docx", builders.form_with_narrative(layout="cell", photos=list(photos))),
        ("talk_text", "宣讲.docx", builders.conforming_narrative()),
        ("photo_product", f"{builders.CASE_NAME}+实物图.jpg", photos[1]),
        ("pdf_scan", "推荐表.pdf", builders.pdf_bytes([{"image": builders.scan_page_image(seal="ring")}] * 2)),
        ("ppt", "宣讲.pptx", builders.minimal_pptx(20)),
        (
            "package",
            f"{builders.REGION_NAME}+{builders.UNIT_NAME}+{builders.CASE_NAME}.zip",
            builders.zip_bytes(
                {
                    "推荐表.docx": builders.form_with_narrative(layout="cell", photos=list(photos)),
                    "推荐表.pdf": builders.pdf_bytes([{"image": builders.scan_page_image(seal="ring")}]),
                    f"{builders.UNIT_NAME}+照片/{builders.CASE_NAME}+企业外景.jpg": photos[0],
                    f"{builders.UNIT_NAME}+照片/{builders.CASE_NAME}+实物图.jpg": photos[1],
                    f"{builders.UNIT_NAME}+照片/{builders.CASE_NAME}+场景图.jpg": photos[2],
                }
            ),
        ),
    ]
    fixtures = []
    for index, (kind, name, data) in enumerate(files):
        path = folder / f"{index}-{kind}{Path(name).suffix}"
        path.write_bytes(data)
        fixtures.append((kind, path, name))
    if builders.HAS_LIBREOFFICE:
        legacy = builders.libreoffice_convert(fixtures[0][1], "doc", folder)
        fixtures.append(("narrative", legacy, "案例概要.doc"))
    if builders.HAS_FFMPEG:
        video = builders.make_video(folder / "video.mp4")
        fixtures.append(("video", video, f"{builders.CASE_NAME}+视频.mp4"))
    return fixtures


def measure(kind: str, path: Path, name: str, context: ValidationContext, rounds: int) -> tuple[float, int, list]:
    validate_file(path, kind, context=context, display_name=name)  # warm caches and imports
    tracemalloc.start()
    started = time.perf_counter()
    for _round in range(rounds):
        findings = validate_file(path, kind, context=context, display_name=name)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rounds / elapsed, peak, findings


def big_video(folder: Path, gigabytes: float) -> Path:
    """A ≥ `gigabytes` MP4 made by repeating a lossless 1080p clip without re-encoding."""
    clip = builders.make_video(folder / "clip.mp4", seconds=60, extra=("-qp", "0", "-r", "5"))
    loops = max(1, int(gigabytes * 1024**3 / clip.stat().st_size) + 1)
    target = folder / "big.mp4"
    subprocess.run(
        ["ffmpeg", "-y", "-v", "error", "-stream_loop", str(loops - 1), "-i", str(clip), "-c", "copy", "-movflags", "+faststart", str(target)],
        check=True, timeout=1800,
    )
    clip.unlink()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--video-gb", type=float, default=2.0, help="size of the big video; 0 to skip")
    parser.add_argument("--keep", type=Path, default=None, help="build fixtures here and keep them")
    arguments = parser.parse_args()

    folder = arguments.keep or Path(tempfile.mkdtemp(prefix="bench-validation-"))
    folder.mkdir(parents=True, exist_ok=True)
    context = ValidationContext(unit_name=builders.UNIT_NAME, case_name=builders.CASE_NAME, region_name=builders.REGION_NAME)
    try:
        fixtures = build_fixtures(folder)
        print(f"{'kind':<14} {'file':<28} {'size':>9} {'files/s':>9} {'py peak':>9} findings")
        for kind, path, name in fixtures:
            rate, peak, findings = measure(kind, path, name, context, arguments.rounds)
            size = path.stat().st_size / 1024**2
            print(f"{kind:<14} {name[:26]:<28} {size:7.1f}MB {rate:9.2f} {peak / 1024**2:7.1f}MB {len(findings)}")
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak resident memory: worker {own:.0f} MB, largest child process {children:.0f} MB")
        if arguments.video_gb and builders.HAS_FFMPEG:
            video = big_video(folder, arguments.video_gb)
            started = time.perf_counter()
            findings = validate_file(video, "video", context=context, display_name=f"{builders.CASE_NAME}+视频.mp4")
            elapsed = time.perf_counter() - started
            print(f"big video: {video.stat().st_size / 1024**3:.2f} GB probed in {elapsed:.3f} s; findings: {[f.rule for f in findings]}")
    finally:
        if arguments.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
