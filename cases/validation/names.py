"""File names the notice prescribes: “案例名称+企业外景”, “地区名+单位名称+案例名称”, “单位名称+照片”.

The `+` of the notice joins the parts. People write it as +, ＋, a space, a dash, an underscore or
nothing at all; what matters is that the parts are there, in order. So names are compared after
removing separators (and normalising full-width forms with NFKC). Parse names before storage renames
them: Django's get_valid_filename() drops the `+`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import PurePath

from django.utils.translation import gettext as _

# Characters that may stand between parts, or around them.
SEPARATORS = re.compile(r"[\s+＋\-_—–·•、,，.。:：;；|/\\()（）\[\]【】《》<>「」『』'\"“”‘’]+")
PHOTO_EXTENSIONS = (".jpg", ".jpeg")


def squeeze(text: str) -> str:
    """The part-comparison form of a name: NFKC, case-folded, separators removed."""
    return SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).casefold()


def stem_and_extension(file_name: str) -> tuple[str, str]:
    path = PurePath(file_name.replace("\\", "/"))
    return path.stem if path.suffix else path.name, path.suffix.lower()


def follows_pattern(
    name: str,
    *,
    leading: Sequence[str | None],
    suffixes: Sequence[str] = ("",),
) -> bool:
    """Does `name` consist of the `leading` parts then one of `suffixes`, separators aside?

    An unknown leading part (None) must be present but can be anything non-empty, so a name is
    still judged when the case or unit name is not known.
    """
    squeezed = squeeze(name)
    for suffix in suffixes:
        squeezed_suffix = squeeze(suffix)
        if not squeezed.endswith(squeezed_suffix):
            continue
        rest = squeezed[: len(squeezed) - len(squeezed_suffix)]
        known_parts = "".join(squeeze(part) for part in leading if part)
        unknown_count = sum(1 for part in leading if not part)
        if unknown_count == 0 and rest == known_parts:
            return True
        if unknown_count and _matches_with_unknowns(rest, [squeeze(part) if part else None for part in leading]):
            return True
    return False


def _matches_with_unknowns(text: str, parts: list[str | None]) -> bool:
    """`text` is the known parts in order, each unknown part standing for ≥1 character."""
    pattern = "".join(re.escape(part) if part is not None else ".+" for part in parts)
    return re.fullmatch(pattern, text) is not None


def display_pattern(parts: Sequence[str | None], placeholders: Sequence[str]) -> str:
    """“某某案例+企业外景”: the pattern shown to users, with `+` and the known values filled in."""
    return "+".join(part if part else placeholder for part, placeholder in zip(parts, placeholders, strict=True))


def placeholder_case_name() -> str:
    return _("case name")


def placeholder_unit_name() -> str:
    return _("unit name")


def placeholder_region_name() -> str:
    return _("region")
