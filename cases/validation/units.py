"""Sizes and durations as users read them: bytes as Windows shows them, times as m:ss."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.validation.limits import GIB, KIB, MIB


def describe_bytes(size: int) -> str:
    """2097152 → '2 MB' (Windows divides by 1024 and calls it MB, so do we)."""
    if size >= GIB:
        return _("%(value)s GB") % {"value": _trim(size / GIB)}
    if size >= MIB:
        return _("%(value)s MB") % {"value": _trim(size / MIB)}
    if size >= KIB:
        return _("%(value)s KB") % {"value": _trim(size / KIB)}
    return _("%(value)s bytes") % {"value": size}


def describe_seconds(seconds: float) -> str:
    whole = int(round(seconds))
    return _("%(minutes)s min %(seconds)02d s") % {"minutes": whole // 60, "seconds": whole % 60}


def _trim(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
