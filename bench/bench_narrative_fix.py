"""一键修正格式 benchmark (issue 18): fix each of the project's bad-format narratives and report the
share whose output passes every format rule the fixer repairs, and the time per file.

    .venv/bin/python bench/bench_narrative_fix.py [--rounds 3]

Each narrative is the conforming one with three camera photos (≈ 7 MB) broken one way
(tests/validation/bad_narratives.py). Per file: the fixer child's CPU (user + system, the memory-
limited process that rewrites the document), the whole fix's CPU in this process and its children
(check before, rewrite, check after: what the worker spends) and its wall time, and the child's
peak memory. Goals: 100 % of the fixable findings fixed; < 2 s worker CPU for a 7 MB narrative.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from cases.documents.narrative_fixing import FIXED_RULES, fix_narrative_file  # noqa: E402
from cases.validation import ValidationContext  # noqa: E402
from tests.validation.bad_narratives import BAD_NARRATIVES  # noqa: E402
from tests.validation.builders import UNIT_NAME  # noqa: E402


def cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    context = ValidationContext(unit_name=UNIT_NAME)
    fixed = 0
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, build in sorted(BAD_NARRATIVES.items()):
            source = Path(folder) / f"{name}.docx"
            source.write_bytes(build())
            target = Path(folder) / f"{name}-fixed.docx"
            best = None
            for _round in range(arguments.rounds):
                children, own, wall = cpu(resource.RUSAGE_CHILDREN), cpu(resource.RUSAGE_SELF), time.perf_counter()
                outcome = fix_narrative_file(source, target, context=context)
                child_cpu = cpu(resource.RUSAGE_CHILDREN) - children
                total_cpu = child_cpu + cpu(resource.RUSAGE_SELF) - own
                elapsed = time.perf_counter() - wall
                if best is None or total_cpu < best[1]:
                    best = (child_cpu, total_cpu, elapsed, outcome.peak_rss_kib)
            left = sorted({f.rule for f in outcome.findings_after if f.rule in FIXED_RULES})
            fixed += not left and not outcome.refused
            rows.append((name, source.stat().st_size, *best, left))
    print(f"{'narrative':45} {'MB':>5} {'fixer CPU':>9} {'worker CPU':>10} {'wall':>6} {'peak MB':>7}  fixable left")
    for name, size, child_cpu, total_cpu, elapsed, peak, left in rows:
        print(f"{name:45} {size / 2**20:5.1f} {child_cpu:8.2f}s {total_cpu:9.2f}s {elapsed:5.2f}s {(peak or 0) / 1024:7.0f}  {', '.join(left) or '—'}")
    print(f"\nfixed: {fixed}/{len(rows)} ({100 * fixed / len(rows):.0f} %) pass every rule the fixer repairs")
    return 0 if fixed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
