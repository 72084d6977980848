"""The labelled evaluation set of the near-duplicate engine (issue 19), built from the corpus.

corpus/base.txt holds 24 base narratives (24 enterprises, 4 parts each, the notice's outline);
corpus/paraphrase.txt a retelling of each by hand (same facts, reworded, outline numbering varied,
some without headings). Derived from them, deterministically (seeded):

- copy: the base lightly edited (words swapped for synonyms, a sentence dropped, one added);
- recycled: the base as "last year's narrative again": every year moved on, every other number
  changed, a sentence added;
- paraphrase: the hand-written retelling, also against the base wrapped in the template (below);
- company_section: the base's title and introduction with another base's story;
- unrelated: every pair of different bases, every pair of bases wrapped in one shared template
  (the same stock sentences, with ISO certificates, added to each part, as an association's
  template would), and each retelling against every other base.

Each item is (kind, name, text A, text B); the expected judgement of a kind is EXPECTED[kind].
"""

from __future__ import annotations

import random
import re
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = {"copy": "duplicate", "recycled": "duplicate", "paraphrase": "duplicate",
            "company_section": "company_section", "unrelated": "unrelated"}
SYNONYMS = [("公司", "企业"), ("提高", "提升"), ("降低", "下降"), ("建设", "建成"), ("研发", "研制"), ("带领", "率领"),
            ("开发", "研发"), ("实现", "达到"), ("累计", "共计"), ("通过", "借助"), ("同时", "此外"), ("已", "已经")]
ADDED_SENTENCE = "这一做法得到了上级主管部门的充分肯定。"
TEMPLATE = {
    "introduction": "公司建立了完善的现代企业制度，通过了ISO9001质量管理体系、ISO14001环境管理体系认证，连续多年被评为守合同重信用企业。",
    "story": "近年来，公司深入贯彻落实省委省政府关于科技创新的决策部署，把创新摆在企业发展全局的核心位置。在项目实施过程中，公司成立了由主要负责同志任组长的领导小组，制定了详细的实施方案，明确了时间表和路线图。",
    "results": "项目实施以来，得到了各级领导和社会各界的充分肯定，多家媒体进行了专题报道。",
    "lessons": "下一步，公司将继续加大研发投入，完善创新体系，培育更多高素质创新人才，努力在推动产业转型升级中走在前列、作出示范。",
}


def read_corpus(name: str) -> dict[str, str]:
    raw = (CORPUS / name).read_text(encoding="utf-8")
    pieces = re.split(r"^=== (\d+)\n", raw, flags=re.M)[1:]
    return {key: body.strip() + "\n" for key, body in zip(pieces[0::2], pieces[1::2])}


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def light_edit(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    body = [i for i, line in enumerate(lines) if len(line) > 40]
    for index in body:
        for old, new in SYNONYMS:
            if old in lines[index] and rng.random() < 0.5:
                lines[index] = lines[index].replace(old, new, 1)
    target = rng.choice(body[1:])
    sentences = [s for s in re.split(r"(?<=。)", lines[target]) if s]
    if len(sentences) > 1:
        del sentences[rng.randrange(len(sentences))]
    lines[target] = "".join(sentences) + ADDED_SENTENCE
    lines[0] = lines[0] + "的实践"
    return "\n".join(lines) + "\n"


def recycle(text: str, rng: random.Random) -> str:
    def new_number(match: re.Match) -> str:
        value = match.group(0)
        if len(value) == 4 and value[:2] in ("19", "20") and "." not in value:
            return str(int(value) + 1) if int(value) >= 2015 else value
        if "." in value:
            decimals = len(value.split(".")[1])
            return f"{float(value) * rng.uniform(1.05, 1.4):.{decimals}f}"
        return str(max(1, round(int(value) * rng.uniform(1.05, 1.4))))

    lines = _lines(re.sub(r"\d+(?:\.\d+)?", new_number, text))
    lines[-1] = lines[-1] + "今后还将在更大范围推广这一成果。"
    return "\n".join(lines) + "\n"


def company_section(base: str, other: str) -> str:
    """`base` up to the end of its part 1, then `other` from its part 2 on."""
    head = re.split(r"^二、", base, flags=re.M)[0]
    story = "二、" + re.split(r"^二、", other, flags=re.M)[1]
    return head + story


def wrap_in_template(text: str) -> str:
    out = []
    for line in _lines(text):
        out.append(line)
        if line.startswith("一、"):
            out.append(TEMPLATE["introduction"])
        elif line.startswith("二、"):
            out.append(TEMPLATE["story"])
        elif line.startswith("四、"):
            out.append(TEMPLATE["lessons"])
    out.insert(next(i for i, line in enumerate(out) if line.startswith("四、")), TEMPLATE["results"])
    return "\n".join(out) + "\n"


def items(seed: int = 19) -> list[tuple[str, str, str, str]]:
    rng = random.Random(seed)
    bases, retold = read_corpus("base.txt"), read_corpus("paraphrase.txt")
    keys = sorted(bases)
    out = []
    for number, key in enumerate(keys):
        base = bases[key]
        out.append(("copy", f"{key}-copy", base, light_edit(base, rng)))
        out.append(("recycled", f"{key}-recycled", base, recycle(base, rng)))
        out.append(("paraphrase", f"{key}-paraphrase", base, retold[key]))
        out.append(("paraphrase", f"{key}-paraphrase-template", wrap_in_template(base), retold[key]))
        other = keys[(number + 7) % len(keys)]
        out.append(("company_section", f"{key}-intro+{other}-story", base, company_section(base, bases[other])))
        for other in keys[number + 1:]:
            out.append(("unrelated", f"{key}-{other}", base, bases[other]))
            out.append(("unrelated", f"{key}-{other}-template", wrap_in_template(base), wrap_in_template(bases[other])))
        for other in keys:
            if other != key:
                out.append(("unrelated", f"{key}-paraphrase-{other}", retold[key], bases[other]))
    return out


def write_files(folder: Path) -> None:
    """Every item as two .txt files (for `manage.py compare_texts`), with labels.tsv."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for kind, name, first, second in items():
        (folder / f"{name}.a.txt").write_text(first, encoding="utf-8")
        (folder / f"{name}.b.txt").write_text(second, encoding="utf-8")
        rows.append(f"{name}\t{kind}\t{EXPECTED[kind]}")
    (folder / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
