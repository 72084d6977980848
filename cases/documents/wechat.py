"""The WeChat group display name of a candidate (附件1 九): `地区 案例简称 单位简称`, e.g. `太原 智能焦化 美锦能源`.

地区 is the 地级市 without 市. The enterprise enters the two short names; `suggest_short_names`
proposes them from the case name and the unit name. Suggestions are heuristics over the usual
shapes of Chinese company names and case titles; they are only ever a starting point.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cases.documents.naming import case_city, city_short_name
from cases.models import Case

DISPLAY_NAME_SEPARATOR = " "
MAX_UNIT_SHORT = 8
MAX_TITLE_SHORT = 10
# A stripped name shorter than this says too little (太原重工 → 重工): keep the longer form.
MIN_MEANINGFUL = 3

# Company-form suffixes, longest first, removed repeatedly from the end of a unit name.
COMPANY_SUFFIXES: tuple[str, ...] = (
    "股份有限公司", "有限责任公司", "集团有限公司", "控股有限公司", "有限公司", "股份公司", "集团公司",
    "分公司", "总公司", "公司", "集团", "控股", "股份",
)
# Generic words dropped from the end when the name is still too long.
GENERIC_UNIT_WORDS: tuple[str, ...] = ("科技", "技术", "发展", "实业", "工业", "产业", "投资", "开发")

# Place names that open unit names: provincial-level units and Shanxi's 11 cities.
PLACE_PREFIXES: tuple[str, ...] = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
    "太原", "大同", "朔州", "忻州", "吕梁", "晋中", "阳泉", "长治", "晋城", "临汾", "运城",
)
_PLACE_SUFFIXES = ("省", "市", "自治区", "")

# Case titles: framing words removed from the front and the end.
TITLE_PREFIXES: tuple[str, ...] = ("关于", "浅谈", "论")
TITLE_SUFFIXES: tuple[str, ...] = (
    "典型创新案例", "创新案例", "典型案例", "案例",
    "的实践与探索", "的探索与实践", "的研究与应用", "的创新与实践", "的创新实践",
    "实践与探索", "探索与实践", "研究与应用", "创新与实践", "的实践", "的应用", "的故事", "纪实", "之路",
)
_BASED_ON = re.compile(r"^基于(.+?)的(.+)$")
_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
_QUOTES = re.compile(r"[《》“”\"'‘’「」『』]")
_SUBTITLE_SPLIT = re.compile(r"\s*(?:——|—|--|：|:|\s-\s)\s*")
_SPACES = re.compile(r"\s+")


def display_name(region_short: str, short_title: str, unit_short: str) -> str:
    """`太原 案例简称 单位简称`: the parts joined by single spaces, empty parts left out."""
    parts = (_SPACES.sub("", part or "") for part in (region_short, short_title, unit_short))
    return DISPLAY_NAME_SEPARATOR.join(part for part in parts if part)


def wechat_display_name(case: Case) -> str:
    """The case's WeChat group display name: the entered short names, or suggestions where empty."""
    suggested_title, suggested_unit = suggest_short_names(case.title, case.enterprise.name)
    short_title = case.short_title or suggested_title
    unit_short = case.unit_short_name or case.enterprise.short_name or suggested_unit
    return display_name(city_short_name(case_city(case)), short_title, unit_short)


def suggest_short_names(case_title: str, unit_name: str) -> tuple[str, str]:
    """(案例简称 ≤ 10 characters, 单位简称 ≤ 8 characters) proposed from the full names."""
    return shorten_case_title(case_title), shorten_unit_name(unit_name)


def _strip_suffixes(text: str, suffixes: Iterable[str], *, keep: int = 1) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) - len(suffix) >= keep:
                text = text[: -len(suffix)]
                changed = True
                break
    return text


def _strip_place(text: str) -> str:
    """Remove place names in front (山西省太原市… → …) while enough is left."""
    while (stripped := _strip_one_place(text)) != text:
        text = stripped
    return text


def _strip_one_place(text: str) -> str:
    for place in sorted(PLACE_PREFIXES, key=len, reverse=True):
        for suffix in _PLACE_SUFFIXES:
            prefix = place + suffix
            if text.startswith(prefix):
                rest = text[len(prefix):]
                return rest if len(rest) >= MIN_MEANINGFUL else text
    # Any other "XX省" / "XX市" in front.
    match = re.match(r"^[\u4e00-\u9fff]{2,3}[省市]", text)
    if match and len(text) - match.end() >= MIN_MEANINGFUL:
        return text[match.end():]
    return text


def shorten_unit_name(unit_name: str) -> str:
    """山西美锦能源股份有限公司 → 美锦能源; 太原重工股份有限公司 → 太原重工 (重工 alone says too little)."""
    name = _SPACES.sub("", _BRACKETS.sub("", unit_name or ""))
    name = _strip_suffixes(name, COMPANY_SUFFIXES, keep=2)
    name = _strip_place(name)
    while len(name) > MAX_UNIT_SHORT:
        shorter = next(
            (name[: -len(word)] for word in GENERIC_UNIT_WORDS
             if name.endswith(word) and len(name) - len(word) >= MIN_MEANINGFUL),
            name,
        )
        if shorter == name:
            break
        name = shorter
    return name[:MAX_UNIT_SHORT]


def shorten_case_title(case_title: str) -> str:
    """基于数字孪生的智能焦化工艺创新案例 → 智能焦化工艺创新; a subtitle after —— or ： is dropped."""
    title = _QUOTES.sub("", _BRACKETS.sub("", case_title or "")).strip()
    parts = [part for part in _SUBTITLE_SPLIT.split(title) if part]
    if parts:
        # The main title, unless it is too short to name the case.
        title = next((part for part in parts if len(part) >= 4), parts[0])
    title = _SPACES.sub("", title)
    for prefix in TITLE_PREFIXES:
        if title.startswith(prefix) and len(title) - len(prefix) >= 4:
            title = title[len(prefix):]
            break
    match = _BASED_ON.match(title)
    if match:
        technology, subject = match.groups()
        title = subject if len(subject) >= 4 else technology + subject
    title = _strip_suffixes(title, TITLE_SUFFIXES, keep=4)
    return title[:MAX_TITLE_SHORT]
