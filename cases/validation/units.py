"""Sizes and durations as users read them: bytes as Windows shows them, times as m:ss.

`describe_bytes` is the one size format of the portal's messages and findings: use it wherever a
size is shown next to a rule, so a user never sees the same file as “2.93 KB” in one place and
“2.9 KB” in another.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

from cases.validation.limits import GIB, KIB, MIB

SIGNIFICANT_DIGITS = 3  # Windows' Properties dialog: 2.93 KB, 29.3 KB, 293 KB


def describe_bytes(size: int) -> str:
    """2097152 → '2 MB', 3000 → '2.92 KB', 2097151 → '1.99 MB'.

    As Windows' file Properties show sizes: divided by 1024 (and called KB/MB), three significant
    digits, cut off rather than rounded. Cutting off matters for limits: a photo one byte short of
    2 MB must read 1.99 MB, never “2 MB, should be at least 2 MB”.
    """
    if size >= GIB:
        return _("%(value)s GB") % {"value": _significant(size / GIB)}
    if size >= MIB:
        return _("%(value)s MB") % {"value": _significant(size / MIB)}
    if size >= KIB:
        return _("%(value)s KB") % {"value": _significant(size / KIB)}
    return _("%(value)s bytes") % {"value": size}


def describe_seconds(seconds: float) -> str:
    whole = int(round(seconds))
    return _("%(minutes)s min %(seconds)02d s") % {"minutes": whole // 60, "seconds": whole % 60}


def _significant(value: float) -> str:
    """`value` (≥ 1) cut to three significant digits, without trailing zeros."""
    decimals = max(0, SIGNIFICANT_DIGITS - 1 - int(math.floor(math.log10(value))))
    scale = 10**decimals
    cut = math.floor(value * scale + 1e-9) / scale
    return f"{cut:.{decimals}f}".rstrip("0").rstrip(".") if decimals else str(int(cut))
