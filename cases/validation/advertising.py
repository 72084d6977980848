"""The rule narrative.advertising: passages of the narrative that read as an advertisement.

The notice (附件1 四) forbids "以企业宣传、推广等为内容进行上报". Whether a narrative is promotion is
the reviewer's call, so the rule only warns, quoting the passages with the words that made it
suspicious marked. Signs (word lists and their sources in advertising_terms.toml, beside this file):
- absolute claims in the sense of the 广告法 (最佳, 首选, 国内最大, 行业第一…) — unless the sentence
  names the evaluation behind it (通过鉴定达到国内领先水平 is a fact with its source, not an advert);
- contact channels (热线, 网址, 公众号, 二维码, phone numbers, web and mail addresses);
- prices and offers; calls to buy or cooperate, and addressing the reader as 您;
- product-catalogue listings; slogans (对仗短句, 经营理念);
- praise of the enterprise in a passage that tells no story (people, problem, principle,
  attempts, route, result), and a narrative that as a whole tells none.

Text is segmented with jieba, so words match on word boundaries (最终 is not 最, 第一次 is not 第一).
Each category of sign scores 2 when a strong word is present and 1 for weak words only; a passage
scoring FLAG_SCORE or more is flagged. Measured on bench/data/advertising_eval.jsonl by
bench/bench_advertising.py (precision and recall, goal ≥ 0.85 both).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext_lazy

TERMS_FILE = Path(__file__).with_name("advertising_terms.toml")
FLAG_SCORE = 2
STRONG, WEAK = 2, 1
MAX_SPAN_TOKENS = 4  # a listed term may span this many of the segmenter's words (微信/公众/号)
WELCOME_REACH = 4  # 欢迎广大客户前来洽谈: the invited act at most this many words after 欢迎
SCOPE_LOOKBACK = 2  # 国内最大: the scope word is at most this many words before the ranking
SENTENCE_END = re.compile(r"[^。！？!?；;]+[。！？!?；;]*")
CLAUSE_SPLIT = re.compile(r"[，,；;、！!。？?\s]+")
LIST_ITEM_SEPARATOR = "、"
DIGITS = re.compile(r"\d")
# A slogan: two to four clauses of equal length, each of SLOGAN_CLAUSE chars, nothing else.
SLOGAN_CLAUSES = (2, 4)
SLOGAN_CLAUSE = (4, 8)
# The narrative as a whole tells no story when it has fewer story words than this per 100 characters.
STORY_WORDS_PER_100_CHARS = 1.5  # a told story has 3–10 per 100 (bench set); a brochure 0–1
MIN_CHARS_FOR_WHOLE_TEXT = 300
MIN_PRAISE_FOR_WHOLE_TEXT = 3

# Category → what users read (Chinese in the catalogue).
CATEGORY_LABELS = {
    "absolute": gettext_lazy("absolute claim"),
    "contact": gettext_lazy("contact channel"),
    "offer": gettext_lazy("price or offer"),
    "call": gettext_lazy("call to buy or cooperate"),
    "catalogue": gettext_lazy("product catalogue"),
    "slogan": gettext_lazy("slogan"),
    "description": gettext_lazy("praise of the enterprise without a story"),
}


@dataclass(frozen=True)
class Mark:
    """A marked stretch of a passage: characters [start, end) and the category of the sign."""

    start: int
    end: int
    category: str
    weight: int


@dataclass
class PassageScan:
    text: str
    marks: list[Mark] = field(default_factory=list)
    story_words: int = 0
    praise_words: int = 0

    @property
    def scores(self) -> dict[str, int]:
        scores: dict[str, int] = {}
        for mark in self.marks:
            if mark.category == "description":
                continue
            scores[mark.category] = max(scores.get(mark.category, 0), mark.weight)
        description = self._description_score()
        if description:
            scores["description"] = description
        return scores

    def _description_score(self) -> int:
        if self.story_words == 0 and self.praise_words >= 2:
            return STRONG
        if self.story_words == 0 and self.praise_words >= 1 or self.praise_words >= 3:
            return WEAK
        return 0

    @property
    def score(self) -> int:
        return sum(self.scores.values())

    @property
    def flagged(self) -> bool:
        return self.score >= FLAG_SCORE

    @property
    def categories(self) -> list[str]:
        return [category for category in CATEGORY_LABELS if category in self.scores]

    def shown_marks(self) -> list[Mark]:
        """Marks of the categories that count, in text order, without overlaps."""
        counted = set(self.scores)
        shown: list[Mark] = []
        for mark in sorted(self.marks, key=lambda m: (m.start, -m.end)):
            if mark.category in counted and (not shown or mark.start >= shown[-1].end):
                shown.append(mark)
        return shown


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, tuple[str, int]]  # term → (category, weight)
    chars: dict[str, tuple[str, int]]
    patterns: list[tuple[re.Pattern, str, int]]
    superlative_adjectives: frozenset[str]
    scope_words: frozenset[str]
    ranked_words: frozenset[str]
    leading_words: frozenset[str]
    evidence_words: frozenset[str]
    welcome_words: frozenset[str]
    welcome_objects: frozenset[str]
    catalogue_words: frozenset[str]
    catalogue_min_items: int
    praise_patterns: list[re.Pattern]
    story: frozenset[str]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = tomllib.loads(TERMS_FILE.read_text(encoding="utf-8"))
    words: dict[str, tuple[str, int]] = {}
    chars: dict[str, tuple[str, int]] = {}
    patterns: list[tuple[re.Pattern, str, int]] = []
    for word in data["description"]["praise"]:
        words[word] = ("description", WEAK)
    for category in ("absolute", "contact", "offer", "call", "slogan"):
        section = data[category]
        for weight, key in ((WEAK, "weak"), (STRONG, "strong")):  # strong wins for a word in both
            for word in section.get(key, ()):
                words[word] = (category, weight)
        for char in section.get("chars", ()):
            chars[char] = (category, STRONG)
        for pattern in section.get("patterns", ()):
            patterns.append((re.compile(pattern), category, STRONG))
    absolute, catalogue, description = data["absolute"], data["catalogue"], data["description"]
    return Lexicon(
        words=words,
        chars=chars,
        patterns=patterns,
        superlative_adjectives=frozenset(absolute["superlative_adjectives"]),
        scope_words=frozenset(absolute["scope_words"]),
        ranked_words=frozenset(absolute["ranked_words"]),
        leading_words=frozenset(absolute["leading_words"]),
        evidence_words=frozenset(absolute["evidence_words"]),
        welcome_words=frozenset(data["call"]["welcome_words"]),
        welcome_objects=frozenset(data["call"]["welcome_objects"]),
        catalogue_words=frozenset(catalogue["words"]),
        catalogue_min_items=int(catalogue["min_items"]),
        praise_patterns=[re.compile(pattern) for pattern in description["patterns"]],
        story=frozenset(description["story"]),
    )


@lru_cache(maxsize=1)
def _segmenter():
    # Deliberately lazy: jieba loads its dictionary (about a second) on first use, in the worker.
    import jieba

    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def segment(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) of `text` as jieba cuts it."""
    return list(_segmenter().tokenize(text))


def scan_passage(text: str) -> PassageScan:
    """The signs of advertising in one passage (a paragraph)."""
    words = lexicon()
    scan = PassageScan(text=text)
    for match in SENTENCE_END.finditer(text):
        _scan_sentence(scan, match.group(), match.start(), words)
    for char, (category, weight) in words.chars.items():
        for found in re.finditer(re.escape(char), text):
            scan.marks.append(Mark(found.start(), found.end(), category, weight))
    for pattern, category, weight in words.patterns:
        for found in pattern.finditer(text):
            scan.marks.append(Mark(found.start(), found.end(), category, weight))
    for pattern in words.praise_patterns:
        for found in pattern.finditer(text):
            scan.praise_words += 1
            scan.marks.append(Mark(found.start(), found.end(), "description", WEAK))
    if _is_slogan(text):
        stripped = text.strip()
        start = text.index(stripped)
        scan.marks.append(Mark(start, start + len(stripped), "slogan", STRONG))
    return scan


def _scan_sentence(scan: PassageScan, sentence: str, offset: int, words: Lexicon) -> None:
    tokens = segment(sentence)
    texts = [token for token, _start, _end in tokens]
    has_evidence = any(token in words.evidence_words for token in texts)
    praise_seen: set[str] = set()
    index = 0
    while index < len(tokens):
        token, start, _end = tokens[index]
        if token in words.story:
            scan.story_words += 1
        invitation = _invitation(texts, index, words)
        if invitation:
            scan.marks.append(Mark(offset + start, offset + tokens[index + invitation - 1][2], "call", STRONG))
            index += invitation
            continue
        back, claim = _ranking_claim(tokens, index, words)
        if claim:
            if not has_evidence:  # marked from the scope word on: 国内最大, 行业第一
                scan.marks.append(Mark(offset + tokens[index - back][1], offset + tokens[index + claim - 1][2], "absolute", STRONG))
            index += claim
            continue
        length, category, weight = _longest_term(texts, index, words)
        if length:
            term = "".join(texts[index : index + length])
            if category == "description":
                if term not in praise_seen:  # praise counts once per word and sentence
                    praise_seen.add(term)
                    scan.praise_words += 1
                    scan.marks.append(Mark(offset + start, offset + tokens[index + length - 1][2], category, weight))
            elif category == "absolute" and has_evidence:
                pass  # a claim with its source is a fact
            else:
                scan.marks.append(Mark(offset + start, offset + tokens[index + length - 1][2], category, weight))
            index += length
            continue
        if token in words.leading_words and not has_evidence:
            scan.marks.append(Mark(offset + start, offset + tokens[index][2], "absolute", WEAK))
        index += 1
    _scan_catalogue(scan, sentence, offset, texts, words)


def _longest_term(texts: list[str], index: int, words: Lexicon) -> tuple[int, str, int]:
    for length in range(min(MAX_SPAN_TOKENS, len(texts) - index), 0, -1):
        term = "".join(texts[index : index + length])
        if term in words.words:
            category, weight = words.words[term]
            return length, category, weight
    return 0, "", 0


def _invitation(texts: list[str], index: int, words: Lexicon) -> int:
    """How many words from `index` make an invitation (欢迎…前来洽谈), or 0."""
    if texts[index] not in words.welcome_words:
        return 0
    for length in range(1, WELCOME_REACH + 1):
        if index + length < len(texts) and texts[index + length] in words.welcome_objects:
            return length + 1
    return 0


def _ranking_claim(tokens: list[tuple[str, int, int]], index: int, words: Lexicon) -> tuple[int, int]:
    """(words before `index` that belong to it, words from `index`) of an absolute claim at `index`
    (最先进, 国内最大, 行业第一), or (0, 0)."""
    token = tokens[index][0]
    following = tokens[index + 1][0] if index + 1 < len(tokens) else ""
    if token == "最" and following in words.superlative_adjectives:
        return 0, 2
    if len(token) > 1 and token.startswith("最") and token[1:] in words.superlative_adjectives:
        return 0, 1
    if token in words.ranked_words or token.startswith("最"):
        for back in range(1, min(SCOPE_LOOKBACK, index) + 1):
            if tokens[index - back][0] in words.scope_words:
                return back, 1
    return 0, 0


def _scan_catalogue(scan: PassageScan, sentence: str, offset: int, texts: list[str], words: Lexicon) -> None:
    items = sentence.count(LIST_ITEM_SEPARATOR) + 1
    if items >= words.catalogue_min_items and any(text in words.catalogue_words for text in texts):
        stripped = sentence.strip()
        start = offset + sentence.index(stripped) if stripped else offset
        scan.marks.append(Mark(start, start + len(stripped), "catalogue", STRONG))


def _is_slogan(text: str) -> bool:
    clauses = [clause for clause in CLAUSE_SPLIT.split(text.strip()) if clause]
    if not SLOGAN_CLAUSES[0] <= len(clauses) <= SLOGAN_CLAUSES[1] or DIGITS.search(text):
        return False
    lengths = {len(clause) for clause in clauses}
    return len(lengths) == 1 and SLOGAN_CLAUSE[0] <= lengths.pop() <= SLOGAN_CLAUSE[1]


def is_promotional(text: str) -> bool:
    """True when the passage would be flagged (the evaluation's question)."""
    return scan_passage(text).flagged


def tells_no_story(texts: list[str]) -> bool:
    """The narrative as a whole is mostly description of the enterprise without a story: long
    enough to judge, praise of the enterprise in it (MIN_PRAISE_FOR_WHOLE_TEXT words or more), and
    fewer story words than STORY_WORDS_PER_100_CHARS per hundred characters."""
    total_chars = sum(len(text) for text in texts)
    if total_chars < MIN_CHARS_FOR_WHOLE_TEXT:
        return False
    scans = [scan_passage(text) for text in texts]
    story_words = sum(scan.story_words for scan in scans)
    praise_words = sum(scan.praise_words for scan in scans)
    return praise_words >= MIN_PRAISE_FOR_WHOLE_TEXT and story_words * 100 / total_chars < STORY_WORDS_PER_100_CHARS
