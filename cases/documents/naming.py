"""Names the notice prescribes for files (附件1): parts joined by a literal `+`, made safe as file names.

`地区名+单位名称+案例名称`, `单位名称+照片`, `案例名称+企业外景` … The `+` and Chinese characters are
kept; characters Windows forbids in file names, control characters, leading dots and separators
are not, so a name can never climb out of the folder it is extracted into.
"""

from __future__ import annotations

import re
import unicodedata

from cases.models import Case, Organisation

NAME_JOINER = "+"
FALLBACK_NAME_PART = "未命名"
MAX_NAME_PART = 80  # characters per part; Windows paths are limited to 260 in all

# Windows forbids < > : " / \ | ? * and control characters in file names.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WHITESPACE = re.compile(r"\s+")
_WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", re.IGNORECASE)


def sanitize_name_part(text: str, *, max_length: int = MAX_NAME_PART, fallback: str = FALLBACK_NAME_PART) -> str:
    """One part of a file name: forbidden characters become `_`, whitespace one space, no leading
    dots or spaces, no trailing dots or spaces (Windows drops them), at most `max_length` characters."""
    name = unicodedata.normalize("NFC", text or "")
    name = _WHITESPACE.sub(" ", name)  # tabs and newlines first: they are control characters too
    name = _FORBIDDEN.sub("_", name)
    name = name.strip(" .")
    name = name[:max_length].rstrip(" .")
    if _WINDOWS_RESERVED.match(name):
        name = f"_{name}"
    return name or fallback


def join_name(*parts: str, extension: str = "") -> str:
    """`a+b+c.ext`, every part sanitised; `extension` without the dot."""
    stem = NAME_JOINER.join(sanitize_name_part(part) for part in parts)
    return f"{stem}.{extension}" if extension else stem


def case_city(case: Case) -> Organisation | None:
    """The 地级市 association above the case's enterprise (None if the tree has no city: an
    organisation directly under the province)."""
    return case.enterprise.association.ancestor("city")


def organisation_region(organisation: Organisation) -> str:
    """地区 of an organisation as the notice writes it (附件4–6 注4: 所在地级市名称, e.g. 太原市): its
    city's. An organisation directly under the province (a 军工企事业单位's 企业科协) has no city
    above it: its own region says where it is, else the province's."""
    city = organisation.ancestor("city")
    if city is not None:
        return city.region or city.name
    if organisation.region:
        return organisation.region
    province = organisation.ancestor("province")
    return (province.region or province.name) if province is not None else ""


def case_region(case: Case) -> str:
    """地区 as the notice writes it in file names and summary tables, e.g. 太原市."""
    return organisation_region(case.enterprise.association)


def city_short_name(city: Organisation | None) -> str:
    """The city without 市 (太原市 → 太原), as in the WeChat display name; the stored short name wins."""
    if city is None:
        return ""
    if city.short_name:
        return city.short_name
    region = city.region or city.name
    head, found, _rest = region.partition("市")
    return head if found and len(head) >= 2 else region


def unit_name(case: Case) -> str:
    """单位名称: the enterprise that recommends the case."""
    return case.enterprise.name
