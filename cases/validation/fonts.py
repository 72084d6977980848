"""Chinese font families and their many names, and Chinese font-size names (字号).

Word stores a font by whatever name the author's system used: 黑体, SimHei, a GBK mojibake of 宋体
(ËÎÌå) with `SimSun` as its alternate name in fontTable.xml, ... `font_family()` maps any of them
to the family the notice names.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Canonical family (as the notice writes it) → names that mean it. Compared after normalising
# (NFKC, case-folded, spaces and the "_GB2312" suffix kept, so 楷体_GB2312 is listed explicitly).
FONT_ALIASES: dict[str, tuple[str, ...]] = {
    "黑体": ("黑体", "simhei", "heiti", "heiti sc", "黑体-简", "stheiti", "华文黑体"),
    "楷体": ("楷体", "kaiti", "楷体_gb2312", "kaiti_gb2312", "kaiti sc", "楷体-简", "stkaiti", "华文楷体"),
    "宋体": ("宋体", "simsun", "新宋体", "nsimsun", "songti sc", "宋体-简", "stsong", "华文宋体"),
    "仿宋": ("仿宋", "fangsong", "仿宋_gb2312", "fangsong_gb2312", "stfangsong", "华文仿宋"),
}

_ALIAS_TO_FAMILY = {alias: family for family, aliases in FONT_ALIASES.items() for alias in aliases}

# 字号 by half-points (w:sz). The notice uses 三号 (16 pt) and 四号 (14 pt).
CHINESE_SIZE_NAMES = {
    84: gettext_lazy("size Chuhao"),
    72: gettext_lazy("size Xiaochu"),
    52: gettext_lazy("size 1"),
    48: gettext_lazy("size Xiao 1"),
    44: gettext_lazy("size 2"),
    36: gettext_lazy("size Xiao 2"),
    32: gettext_lazy("size 3"),
    30: gettext_lazy("size Xiao 3"),
    28: gettext_lazy("size 4"),
    24: gettext_lazy("size Xiao 4"),
    21: gettext_lazy("size 5"),
    18: gettext_lazy("size Xiao 5"),
}


def _normalise(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def font_family(name: str | None, alternate_names: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The notice's family for a font name, looking at fontTable.xml alternate names too; None if unknown."""
    if not name:
        return None
    family = _ALIAS_TO_FAMILY.get(_normalise(name))
    if family:
        return family
    for alternate in (alternate_names or {}).get(name, ()):
        family = _ALIAS_TO_FAMILY.get(_normalise(alternate))
        if family:
            return family
    return None


def points(half_points: int) -> str:
    """16 for 32, 10.5 for 21."""
    value = half_points / 2
    return str(int(value)) if value == int(value) else str(value)


def describe_size(half_points: int) -> str:
    """'三号（16磅）' in Chinese; the point size alone when the size has no Chinese name."""
    name = CHINESE_SIZE_NAMES.get(half_points)
    if name is None:
        return _("%(points)s pt") % {"points": points(half_points)}
    return _("%(name)s (%(points)s pt)") % {"name": name, "points": points(half_points)}


def size_name(half_points: int) -> str:
    """'三号' alone, for expected values and fix hints."""
    name = CHINESE_SIZE_NAMES.get(half_points)
    return str(name) if name is not None else _("%(points)s pt") % {"points": points(half_points)}
