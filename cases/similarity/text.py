"""Comparing two narratives (案例概要) and judging the pair: the engine behind every text finding.

A narrative is read as the notice's outline (附件1): the title lines, part 1 (企业简介及所获荣誉奖励,
the *introduction*) and parts 2–4 (the *story*: what was done, the results, the lessons). Text is
normalised before comparing (full-width forms folded, punctuation and spaces dropped, every run of
digits one "0"), so a copy with new dates and numbers still lines up with its original.

Three measures, then one judgement (`compare`):
- **copied passages**: the story of each text is walked against the other text; every common run
  of at least PASSAGE_MIN normalised characters is a passage. Its share of the story is weighted:
  a sentence carrying a key fact (a number with its unit, a Latin name such as MES or HJT, a quoted
  name) weighs 1, a sentence without one (connective phrases, slogans, the 经验与启示 any case could
  write) GENERIC_WEIGHT, and the boilerplate of the outline and of many narratives (BOILERPLATE)
  nothing. So unrelated cases that share the template and its stock phrases stay far below the bar,
  while an exact, lightly edited or recycled copy (dates and numbers changed) covers most of it.
- **matched facts**: a paraphrase rewrites every sentence but keeps the story's facts. Each story
  sentence is matched with its best counterpart by the key facts they share and the overlap of
  their content (character pairs, common words of any narrative left out); with the share of the
  two stories' facts in common this finds the same story told again.
- **the introduction**: part 1 copied while the story differs is the same enterprise presenting
  another case: not a duplicate case, shown as 企业简介相同.

`compare` returns a judgement (`duplicate`, `company_section`, `unrelated`), a score in 0–1 and
the passages side by side. Pure Python: the portal (cases.similarity.services) and
`manage.py compare_texts` call the same function.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from cases.validation.limits import NOTICE_FORMAT

ENGINE_VERSION = 1

DUPLICATE = "duplicate"
COMPANY_SECTION = "company_section"
UNRELATED = "unrelated"
JUDGEMENTS = (DUPLICATE, COMPANY_SECTION, UNRELATED)

# Shortest common run (normalised characters) that counts as a copied passage: longer than the
# stock phrases two unrelated narratives share by chance (取得了良好的经济效益 is 9).
PASSAGE_MIN = 12
# Weight of a sentence without a key fact in the copied share (see the module docstring).
GENERIC_WEIGHT = 0.1
# A story whose weighted content is below this many characters is too short to judge.
MIN_CONTENT = 40.0
# The bars of the judgement, set on the labelled set in bench/similarity (README there).
COPY_BAR = 0.45  # copied share of a story
PARAPHRASE_BAR = 0.5  # share of the story's sentences matched with the other story's
FACT_BAR = 0.4  # share of the key facts in common (of the story with fewer)
MIN_SHARED_FACTS = 3
INTRODUCTION_BAR = 0.7  # copied share of the introduction
MAX_PASSAGES = 12

# Headings of part 1 (the outline's own keywords, cases.validation.limits, and what writers put instead).
INTRODUCTION_KEYWORDS = NOTICE_FORMAT.outline_parts[0][1] + ("简介", "概况", "基本情况", "企业介绍", "公司介绍")
OUTLINE_KEYWORDS = tuple(keyword for _name, keywords in NOTICE_FORMAT.outline_parts for keyword in keywords) + (
    "创新做法", "主要做法", "创新举措", "做法", "举措", "成效", "效果", "体会", "应用情况", "创新内容", "攻关过程",
)
HEADING_MAX_CHARS = 40
HEADING_NUMBER = re.compile(
    r"^\s*(?:(?P<cn>第?[一二三四五六七八九十]{1,3}\s*[、.．:：,，])|(?P<paren>[（(]\s*[一二三四五六七八九十\d]{1,2}\s*[)）])"
    r"|(?P<arabic>\d{1,2}\s*[、.．:：)）](?!\d)))"
)
INLINE_LABEL = re.compile(r"^\s*(?P<label>[^，。：:]{2,12})[：:]\s*(?P<rest>.+)$")
# A paragraph presenting the company: when it was founded or where it is, early on; what it is.
COMPANY_OPENING = re.compile(r"^.{0,40}(成立|创建|始建|创办|始创|组建|建厂|位于|坐落|地处|注册)")
COMPANY_WORDS = re.compile(r"公司|集团|企业|员工|职工|合作社")
SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")

# Stock phrases of the outline and of narratives in general: never evidence of copying.
BOILERPLATE = (
    "企业简介及所获荣誉奖励", "聚焦典型案例", "创新团队攻坚克难的励志故事", "创新成果应用", "经验与启示",
    "坚持创新驱动发展战略", "始终坚持创新驱动发展", "取得了良好的经济效益和社会效益", "取得了显著的经济效益和社会效益",
    "经济效益和社会效益", "经济效益社会效益和生态效益", "实现经济效益和社会效益双丰收", "推动企业高质量发展",
    "为全省经济社会高质量发展作出贡献", "为山西高质量发展作出更大贡献", "为地方经济发展作出积极贡献",
    "不断提升自主创新能力", "持续加大研发投入", "国家高新技术企业", "专精特新小巨人企业", "省级企业技术中心",
    "国家级企业技术中心", "产学研深度融合", "产学研用深度融合", "以市场需求为导向", "以企业为主体",
    "打造核心竞争力", "提升核心竞争力", "营造良好的创新氛围", "激发创新活力", "培养了一批技术骨干",
    "形成了可复制可推广的经验", "可复制可推广", "具有良好的推广应用前景", "填补了国内空白", "达到国际先进水平",
    "达到国内领先水平", "全国五一劳动奖状", "山西省五一劳动奖状", "中华老字号", "农业产业化国家重点龙头企业",
    "公司高度重视科技创新工作", "坚持以人为本", "有限公司", "股份有限公司", "集团有限公司",
)
# Character pairs common to any narrative: no evidence that two sentences tell the same thing.
COMMON_BIGRAMS = frozenset("""
公司 企业 集团 技术 创新 发展 生产 提升 提高 实现 通过 进行 产品 项目 管理 建设 工作 推动 加强 我们 以及 同时 不断 有效
显著 成为 开展 全面 积极 重要 核心 研发 行业 国家 年来 形成 作为 经济 效益 社会 系统 平台 质量 服务 能力 水平 市场
数据 智能 成果 应用 团队 关键 工艺 设备 问题 目前 已经 累计 每年 年产 员工 职工 现有 拥有 成立 位于 主要 以上 达到 增长
降低 减少 一家 是一 一个 这一 相关 建立 合作 推广 取得 获得 荣誉 称号 先后 被评 评为 我国 全国 山西 省级 国内 同时 带领
负责 组织 牵头 主持 带队 开发 研制 引进 采用 利用 用于 通过 其中 由原 原来 缩短 提升 下降 增加 节约 成本 收入 销售 营业
亿元 万元 万吨 以下 左右 超过 多个 多项 一批 方面 过程 基础 结合 坚持 持续 转型 升级 高质 质量 量发 创造 造力 科技 科学
之一 发明 专利 授权 实用 新型 专门 专业 自主 首席 工程 程师 总工 经理 主任 部长 院长 领衔 研究 究院 中心 实验 验室
高新 新技 技术 业技 术企 企业 业的 的企 有限 限公 司是 是国 国有 民营 员工 工人 余人 多人 人员 年产 产能 能力 年销
""".split())

UNITS = (
    "个百分点", "千瓦时", "摄氏度", "平方米", "万公里", "万小时", "万吨", "万元", "亿元", "万件", "万台", "万亩", "万户", "万只",
    "万米", "万人", "万辆", "兆帕", "兆瓦", "千瓦", "公里", "千米", "毫米", "微米", "公斤", "小时", "分钟", "万", "亿", "元", "吨",
    "项", "台", "套", "个", "人", "名", "家", "倍", "秒", "天", "年", "月", "日", "米", "亩", "件", "条", "座", "口", "只", "辆",
    "户", "克", "度", "位", "%", "gw", "mw", "kw", "t",
)
# Units written several ways for one thing (12名 = 12位 = 12人).
UNIT_SPELLINGS = {"名": "人", "位": "人", "个百分点": "%", "千克": "公斤"}
# A person named after a title and before what they did (总工程师李振华牵头, 工艺总监刘美玲带领).
PERSON = re.compile(
    r"(?:工程师|总监|主任|经理|院长|部长|所长|专家|科学家|带头人|秘书长|负责人|董事长|总裁|厂长|书记|队长|组长|技师|教授|博士|cto)"
    r"([\u4e00-\u9fff]{2,3}?)(?=带领|牵头|领衔|主持|负责|带队|为首|挂帅|组织|团队|等人|率领|同志|和|与|、|，|,)"
)
NUMBER = re.compile(r"(?<![0-9a-z.\-])(\d+(?:\.\d+)?)\s*(" + "|".join(re.escape(unit) for unit in UNITS) + r")?")
LATIN_NAME = re.compile(r"(?<![a-z0-9])[a-z0-9][a-z0-9+\-]*[a-z0-9+](?![a-z0-9])")
QUOTED = re.compile(r"[“\"《「『]([^”\"》」』]{2,24})[”\"》」』]")
YEAR_UNITS = ("年", "")
# Latin names every kind of enterprise writes (certificates, standards): not facts of one story.
COMMON_NAMES = re.compile(r"^(iso\d*|gb|gbt|ohsas\d*|aaa|aa|ai|it|cnas|cma)$")


@lru_cache(maxsize=65536)
def fold(character: str) -> str:
    """One character as compared: full-width forms folded (NFKC) and lower case (cached: a
    narrative uses a few thousand distinct characters, each folded once per process)."""
    return unicodedata.normalize("NFKC", character).lower()


@dataclass(frozen=True)
class Sentence:
    text: str
    norm: str  # normalised: letters, digits (each run one "0") and ideographs only
    starts: tuple[int, ...]  # offset in `text` of each character of `norm`
    facts: frozenset[str]
    bigrams: frozenset[str]

    @property
    def weight(self) -> float:
        return 1.0 if self.facts else GENERIC_WEIGHT


@dataclass
class Part:
    """The introduction or the story: its sentences and their normalised text joined."""

    sentences: list[Sentence] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.norm = "".join(sentence.norm for sentence in self.sentences)
        self.sentence_of: list[int] = []  # for each character of norm, its sentence
        self.weights: list[float] = []
        for index, sentence in enumerate(self.sentences):
            self.sentence_of += [index] * len(sentence.norm)
            self.weights += [sentence.weight] * len(sentence.norm)
        for start, end in _boilerplate_spans(self.norm):
            for position in range(start, end):
                self.weights[position] = 0.0
        self.content = sum(self.weights)
        self.facts = frozenset().union(*(sentence.facts for sentence in self.sentences)) if self.sentences else frozenset()


@dataclass
class Narrative:
    title: str
    introduction: Part
    story: Part
    has_outline: bool

    @property
    def norm(self) -> str:
        return self.introduction.norm + "\x00" + self.story.norm


@dataclass(frozen=True)
class Passage:
    """A stretch of one text found in the other (or, for a paraphrase, two sentences telling the same)."""

    a: str
    b: str
    part: str  # "introduction" or "story"
    how: str  # "copied" or "facts"

    def as_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "part": self.part, "how": self.how}


@dataclass(frozen=True)
class Comparison:
    judgement: str
    score: float
    passages: tuple[Passage, ...]
    measures: dict  # the numbers behind the judgement (for the evaluation and for support)


# --- reading -----------------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def _kind(character: str) -> str:
    """How `character` is compared: "" dropped (punctuation, space), "0" a digit, else the folded character."""
    folded = fold(character)
    if len(folded) != 1 or not folded.isalnum():
        return ""
    if folded.isdigit() and folded.isascii():
        return "0"
    return folded


def normalise(text: str) -> tuple[str, tuple[int, ...]]:
    """`text` as compared, with the offset in `text` of each character kept."""
    out: list[str] = []
    starts: list[int] = []
    in_number = False
    for offset, character in enumerate(text):
        kind = _kind(character)
        if not kind:
            # A decimal point inside a number stays part of the number's one "0".
            in_number = in_number and character == "." and offset + 1 < len(text) and _kind(text[offset + 1]) == "0"
            continue
        if kind == "0":
            if not in_number:
                out.append("0")
                starts.append(offset)
            in_number = True
            continue
        in_number = False
        out.append(kind)
        starts.append(offset)
    return "".join(out), tuple(starts)


def key_facts(text: str) -> frozenset[str]:
    """The facts a retelling keeps: numbers with their units (not years, not small counts), Latin
    names (MES, HJT, T800, 5G), quoted names (“沁黄2号”, 《智能工作面操作规程》) and people named
    with their title (总工程师李振华牵头)."""
    folded = "".join(map(fold, text))
    facts = set()
    for match in NUMBER.finditer(folded):
        value, unit = match.group(1), match.group(2) or ""
        if unit in YEAR_UNITS and "." not in value and len(value) == 4 and value[:2] in ("19", "20"):
            continue  # a year: recycled narratives change them, unrelated ones share them
        if "." not in value and unit != "%" and int(value) < 10:
            continue  # 3座, 5家: too common to tell stories apart
        facts.add(_canonical_number(value, unit))
    for match in LATIN_NAME.finditer(folded):
        token = match.group(0)
        if any(character.isalpha() for character in token) and not COMMON_NAMES.match(token.replace("/", "")):
            facts.add(token)
    for match in PERSON.finditer(folded):
        facts.add(f"@{match.group(1)}")
    for match in QUOTED.finditer(text):
        name, _starts = normalise(match.group(1))
        if len(name) >= 2:
            facts.add(f"“{name}”")
    return frozenset(facts)


def _canonical_number(value: str, unit: str) -> str:
    """One spelling per quantity: 1.2万吨 = 12000吨, 2.6亿元 = 26000万元, 35个百分点 = 35%."""
    number = float(value)
    if unit.startswith(("万", "亿")):
        number *= 10_000 if unit[0] == "万" else 100_000_000
        unit = unit[1:]
    unit = UNIT_SPELLINGS.get(unit, unit)
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


def _bigrams(norm: str) -> frozenset[str]:
    return frozenset(pair for pair in (norm[i:i + 2] for i in range(len(norm) - 1)) if pair not in COMMON_BIGRAMS and "0" not in pair)


def make_sentence(text: str) -> Sentence | None:
    norm, starts = normalise(text)
    if not norm:
        return None
    return Sentence(text=text.strip(), norm=norm, starts=starts, facts=key_facts(text), bigrams=_bigrams(norm))


def _sentences(paragraph: str) -> list[Sentence]:
    return [sentence for piece in SENTENCE_END.split(paragraph) if (sentence := make_sentence(piece))]


def _heading_style(paragraph: str) -> str | None:
    """The numbering style of an outline heading ("cn", "paren", "arabic", "plain"), or None."""
    text = paragraph.strip()
    if len(text) > HEADING_MAX_CHARS or "。" in text:
        return None
    match = HEADING_NUMBER.match(text)
    if match:
        return next(name for name, value in match.groupdict().items() if value)
    if any(keyword in text for keyword in OUTLINE_KEYWORDS) and len(text) <= 20:
        return "plain"
    return None


def _is_introduction_heading(text: str) -> bool:
    return any(keyword in text for keyword in INTRODUCTION_KEYWORDS)


def read_narrative(text: str) -> Narrative:
    """Split `text` (paragraphs on their own lines) into title, introduction and story."""
    paragraphs = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    title_lines: list[str] = []
    front: list[str] = []
    introduction: list[str] = []
    story: list[str] = []
    where = "front"
    introduction_style = None
    has_outline = False
    for paragraph in paragraphs:
        style = _heading_style(paragraph)
        inline = INLINE_LABEL.match(paragraph) if style is None else None
        if inline and _is_introduction_heading(inline.group("label")) and where == "front":
            has_outline = True
            where, introduction_style = "introduction", "inline"
            introduction.append(inline.group("rest"))
            continue
        if style is not None:
            has_outline = True
            if _is_introduction_heading(paragraph) and where != "story":
                where, introduction_style = "introduction", style
            elif where == "introduction" and introduction_style != "inline" and style != introduction_style \
                    and not any(keyword in paragraph for keyword in OUTLINE_KEYWORDS):
                introduction.append(paragraph)  # a sub-heading inside part 1
            else:
                where = "story"
            continue
        if where == "front":
            if not front and len(paragraph) <= HEADING_MAX_CHARS and "。" not in paragraph:
                title_lines.append(paragraph)  # title and unit name
            else:
                front.append(paragraph)
        elif where == "introduction":
            if introduction_style == "inline":
                where = "story"
                story.append(paragraph)
            else:
                introduction.append(paragraph)
        else:
            story.append(paragraph)
    if not introduction and front and COMPANY_OPENING.search(front[0]) and COMPANY_WORDS.search(front[0]):
        # No outline headings: a first paragraph presenting the company is its introduction.
        introduction, front = [front[0]], front[1:]
    story = front + story
    return Narrative(
        title=title_lines[0] if title_lines else "",
        introduction=Part([s for paragraph in introduction for s in _sentences(paragraph)]),
        story=Part([s for paragraph in story for s in _sentences(paragraph)]),
        has_outline=has_outline,
    )


@lru_cache(maxsize=1)
def _boilerplate_norms() -> tuple[str, ...]:
    return tuple(sorted({normalise(phrase)[0] for phrase in BOILERPLATE}, key=len, reverse=True))


def _boilerplate_spans(norm: str) -> list[tuple[int, int]]:
    spans = []
    for phrase in _boilerplate_norms():
        start = norm.find(phrase)
        while start != -1:
            spans.append((start, start + len(phrase)))
            start = norm.find(phrase, start + 1)
    return spans


# --- comparing ---------------------------------------------------------------------------------

def _seed_index(norm: str) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position in range(len(norm) - PASSAGE_MIN + 1):
        index.setdefault(norm[position:position + PASSAGE_MIN], []).append(position)
    return index


def common_runs(a: str, b: str, b_index: dict[str, list[int]] | None = None) -> list[tuple[int, int, int]]:
    """(start in a, start in b, length) of the runs of `a` found in `b`, at least PASSAGE_MIN long,
    left to right without overlap in `a` (each the longest available at its start)."""
    b_index = _seed_index(b) if b_index is None else b_index
    runs = []
    position = 0
    while position <= len(a) - PASSAGE_MIN:
        candidates = b_index.get(a[position:position + PASSAGE_MIN])
        if not candidates:
            position += 1
            continue
        best_start, best_length = candidates[0], 0
        for start in candidates[:16]:
            length = PASSAGE_MIN
            while position + length < len(a) and start + length < len(b) and a[position + length] == b[start + length]:
                length += 1
            if length > best_length:
                best_start, best_length = start, length
        runs.append((position, best_start, best_length))
        position += best_length
    return runs


def _copied_share(part: Part, runs: list[tuple[int, int, int]]) -> float:
    if part.content < MIN_CONTENT:
        return 0.0
    covered = sum(sum(part.weights[start:start + length]) for start, _other, length in runs)
    return covered / part.content


def _excerpt(part: Part, start: int, length: int) -> str:
    """The original text of part.norm[start:start+length] (across sentences if it runs on)."""
    first, last = part.sentence_of[start], part.sentence_of[start + length - 1]
    offset_first = start - sum(len(part.sentences[i].norm) for i in range(first))
    offset_last = start + length - 1 - sum(len(part.sentences[i].norm) for i in range(last))
    pieces = []
    for index in range(first, last + 1):
        sentence = part.sentences[index]
        begin = sentence.starts[offset_first] if index == first else 0
        end = sentence.starts[offset_last] + 1 if index == last else len(sentence.text)
        pieces.append(sentence.text[begin:end])
    return "".join(pieces)


def _whole(narrative: Narrative) -> Part:
    return Part(narrative.introduction.sentences + narrative.story.sentences)


def _copied(a: Narrative, b: Narrative, a_part: str) -> tuple[float, list[Passage]]:
    """The weighted share of a's `a_part` found in b (anywhere), with the passages."""
    part = getattr(a, a_part)
    other = _whole(b)
    runs = common_runs(part.norm, other.norm)
    passages = [
        Passage(a=_excerpt(part, start, length), b=_excerpt(other, other_start, length), part=a_part, how="copied")
        for start, other_start, length in runs if sum(part.weights[start:start + length]) > 0
    ]
    return _copied_share(part, runs), passages


def _dice(first: frozenset[str], second: frozenset[str]) -> float:
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))


def _sentences_match(first: Sentence, second: Sentence) -> bool:
    shared = len(first.facts & second.facts)
    dice = _dice(first.bigrams, second.bigrams)
    return shared >= 2 or (shared >= 1 and dice >= 0.2) or dice >= 0.5


def _matched_share(a: Part, b: Part) -> tuple[float, list[tuple[Sentence, Sentence]]]:
    """Weighted share of a's sentences telling what one of b's sentences tells, with the pairs."""
    total = matched = 0.0
    pairs = []
    for sentence in a.sentences:
        if len(sentence.norm) < 8:
            continue
        total += sentence.weight
        partner = next((other for other in b.sentences if _sentences_match(sentence, other)), None)
        if partner is not None:
            matched += sentence.weight
            pairs.append((sentence, partner))
    return (matched / total if total else 0.0), pairs


def compare(a: Narrative | str, b: Narrative | str) -> Comparison:
    """Judge narrative `b` against narrative `a` (texts or read narratives)."""
    a = read_narrative(a) if isinstance(a, str) else a
    b = read_narrative(b) if isinstance(b, str) else b
    copied_ab, passages_ab = _copied(a, b, "story")
    copied_ba, _passages_ba = _copied(b, a, "story")
    copied = max(copied_ab, copied_ba)
    matched_ab, pairs = _matched_share(a.story, b.story)
    matched_ba, _pairs_ba = _matched_share(b.story, a.story)
    matched = (matched_ab + matched_ba) / 2
    shared_facts = a.story.facts & b.story.facts
    fewer = min(len(a.story.facts), len(b.story.facts))
    fact_share = len(shared_facts) / fewer if fewer else 0.0
    introduction, introduction_passages = _copied(a, b, "introduction")
    introduction_back, _back = _copied(b, a, "introduction")
    introduction = max(introduction, introduction_back)
    measures = {
        "copied": round(copied, 3), "matched": round(matched, 3), "fact_share": round(fact_share, 3),
        "shared_facts": len(shared_facts), "introduction": round(introduction, 3),
    }
    paraphrase = matched >= PARAPHRASE_BAR and fact_share >= FACT_BAR and len(shared_facts) >= MIN_SHARED_FACTS
    if copied >= COPY_BAR or paraphrase:
        if copied >= COPY_BAR:
            score, passages = copied, passages_ab
        else:
            score = (matched + fact_share) / 2
            passages = [Passage(a=first.text, b=second.text, part="story", how="facts") for first, second in pairs]
        return Comparison(DUPLICATE, _score(score), tuple(passages[:MAX_PASSAGES]), measures)
    if introduction >= INTRODUCTION_BAR:
        return Comparison(COMPANY_SECTION, _score(introduction), tuple(introduction_passages[:MAX_PASSAGES]), measures)
    return Comparison(UNRELATED, _score(max(copied, min(matched, fact_share))), (), measures)


def _score(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 2)
