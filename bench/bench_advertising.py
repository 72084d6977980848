"""Precision and recall of the narrative.advertising flag on a labelled evaluation set (issue 18).

    .venv/bin/python bench/bench_advertising.py [bench/data/advertising_eval.jsonl] [--show]

Each line of the set is {"id", "label": "story" | "advert", "note", "text"}. A passage labelled
"advert" is a positive. Prints precision, recall, the confusion counts and (with --show) each
misjudged passage with the signs found. Goal: precision ≥ 0.85 and recall ≥ 0.85.
The suite runs a slice of the set (tests/validation/test_advertising.py).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SET = ROOT / "bench" / "data" / "advertising_eval.jsonl"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(passages: list[dict]) -> dict:
    from cases.validation.advertising import scan_passage

    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    wrong = []
    for passage in passages:
        scan = scan_passage(passage["text"])
        positive = passage["label"] == "advert"
        key = ("tp" if scan.flagged else "fn") if positive else ("fp" if scan.flagged else "tn")
        counts[key] += 1
        if key in ("fp", "fn"):
            wrong.append((passage, scan))
    flagged = counts["tp"] + counts["fp"]
    adverts = counts["tp"] + counts["fn"]
    return {
        **counts,
        "precision": counts["tp"] / flagged if flagged else 1.0,
        "recall": counts["tp"] / adverts if adverts else 1.0,
        "wrong": wrong,
    }


def main(arguments: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    paths = [Path(argument) for argument in arguments if not argument.startswith("--")]
    passages = load(paths[0] if paths else DEFAULT_SET)
    started = time.perf_counter()
    result = evaluate(passages)
    seconds = time.perf_counter() - started
    print(f"passages: {len(passages)} ({sum(p['label'] == 'advert' for p in passages)} adverts)")
    print(f"precision: {result['precision']:.3f}  recall: {result['recall']:.3f}")
    print(f"tp {result['tp']}  fp {result['fp']}  fn {result['fn']}  tn {result['tn']}  ({seconds:.2f} s, segmenter load included)")
    if "--show" in arguments:
        for passage, scan in result["wrong"]:
            marks = [(passage["text"][m.start:m.end], m.category, m.weight) for m in scan.marks]
            print(f"  {passage['id']} {passage['label']} score {scan.score} {scan.scores} story={scan.story_words} praise={scan.praise_words}: {marks}")
    return 0 if result["precision"] >= 0.85 and result["recall"] >= 0.85 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
