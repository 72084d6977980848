"""Share of each kind of the labelled set judged right by the engine (issue 19 "Measured").

    .venv/bin/python bench/similarity/evaluate.py [--failures] [--write-files FOLDER]

Goals: ≥ 95 % for copy and recycled, ≥ 85 % for paraphrase, no false duplicate among unrelated
cases (template shared or not). --write-files writes the items as text files with labels.tsv, to
run them through `manage.py compare_texts --json` (the same engine).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cases.similarity.text import DUPLICATE, compare  # noqa: E402
from bench.similarity.evalset import EXPECTED, items, write_files  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--failures", action="store_true", help="list every item judged wrong with its measures")
    parser.add_argument("--write-files", type=Path)
    arguments = parser.parse_args()
    if arguments.write_files:
        write_files(arguments.write_files)
        print(f"written to {arguments.write_files}")
        return 0
    right, total, false_duplicates = Counter(), Counter(), 0
    started = time.process_time()
    for kind, name, first, second in items():
        result = compare(first, second)
        total[kind] += 1
        if result.judgement == EXPECTED[kind]:
            right[kind] += 1
        elif arguments.failures:
            print(f"  wrong: {name} ({kind}) → {result.judgement} {result.score} {result.measures}")
        if kind == "unrelated" and result.judgement == DUPLICATE:
            false_duplicates += 1
    seconds = time.process_time() - started
    print(f"{'kind':<16}{'items':>6}{'right':>7}{'share':>8}")
    for kind in EXPECTED:
        print(f"{kind:<16}{total[kind]:>6}{right[kind]:>7}{right[kind] / total[kind]:>8.1%}")
    print(f"false duplicates among unrelated pairs: {false_duplicates}")
    print(f"{sum(total.values())} comparisons in {seconds:.1f} s CPU ({1000 * seconds / sum(total.values()):.1f} ms each)")
    goals = (right["copy"] / total["copy"] >= 0.95 and right["recycled"] / total["recycled"] >= 0.95
             and right["paraphrase"] / total["paraphrase"] >= 0.85 and false_duplicates == 0)
    return 0 if goals else 1


if __name__ == "__main__":
    sys.exit(main())
