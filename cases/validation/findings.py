"""What a check reports: the `Finding`, and the `Rule` that every finding is made from.

A rule is data (code, severity, message, expected value, fix hint); checks never write a message
themselves, they ask the rule for a finding and pass the facts (`found`, `location`, parameters).
That keeps each rule's wording in one place (`rules.py`) and the codes stable for the models,
the cache and the UI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from django.utils.translation import pgettext

Severity = Literal["error", "warning", "info"]

ERROR: Severity = "error"  # blocks submission
WARNING: Severity = "warning"  # shown, does not block
INFO: Severity = "info"

SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class Finding:
    """One problem (or note) about one uploaded file.

    `location` is a short human-readable place: a paragraph number with a quote, a page, a zip
    member. `fix` tells the user how to repair it in Word/Explorer terms. `message` and `found`
    are always in the user's language; what a library or tool said (an exception's text, a codec's
    English name, an internal part name) goes into `detail`, shown folded away as 技术信息 for
    support staff, never into the message.
    """

    rule: str
    severity: Severity
    message: str
    expected: str = ""
    found: str = ""
    location: str = ""
    fix: str = ""
    detail: str = ""
    # Passages to show highlighted (narrative.advertising): ({"paragraph", "text", "marks":
    # [[start, end, category], ...]}, ...). Left out of to_dict() when empty, so every other
    # finding keeps its seven keys.
    passages: tuple = ()

    def to_dict(self) -> dict:
        data = asdict(self)
        if not self.passages:
            del data["passages"]
        else:
            data["passages"] = [dict(passage) for passage in self.passages]
        return data

    def within(self, outer_location: str) -> Finding:
        """The same finding, located inside `outer_location` (a zip member, a converted file)."""
        inner = f"{outer_location} › {self.location}" if self.location else outer_location
        return Finding(self.rule, self.severity, self.message, self.expected, self.found, inner, self.fix,
                       detail=self.detail, passages=self.passages)


@dataclass(frozen=True)
class Rule:
    """A rule of the notice as data. Text fields are lazy translations with %(name)s parameters."""

    code: str
    severity: Severity
    message: Any
    expected: Any = ""
    fix: Any = ""
    params: dict[str, Any] = field(default_factory=dict)

    def finding(
        self,
        *,
        found: str = "",
        location: str = "",
        severity: Severity | None = None,
        message: Any = None,
        detail: str = "",
        **params: Any,
    ) -> Finding:
        """Build a finding. `severity` overrides the rule's default only where the rule's
        docstring in rules.py says a milder case exists; `message` replaces the default wording
        for a variant of the same rule (e.g. a truncated video is still `video.unreadable`).
        `detail` is the technical text behind `found` (see Finding), never shown in the message."""
        values = {**self.params, **params, "found": found}
        expected = _render(self.expected, values) if self.expected else str(params.get("expected", ""))
        values["expected"] = expected
        return Finding(
            rule=self.code,
            severity=severity or self.severity,
            message=_render(message if message is not None else self.message, values),
            expected=expected,
            found=found,
            location=location,
            fix=_render(self.fix, values),
            detail=detail,
        )

    def finding_for(self, problem: FileProblem, **kwargs: Any) -> Finding:
        """A finding from a FileProblem: its reason becomes `found`, its detail the 技术信息."""
        return self.finding(found=problem.reason, detail=problem.detail, **kwargs)


class FileProblem(Exception):
    """Why a file cannot be read, raised inside a check: `reason` in the user's words (it becomes
    the finding's `found`), `detail` what the library said (it becomes the finding's `detail`)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = str(reason)
        self.detail = detail


MAX_DETAIL_CHARS = 300


def technical(error: BaseException | str) -> str:
    """What a library said, for the 技术信息 line: the exception's class and text, one line, capped."""
    if isinstance(error, BaseException):
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    else:
        text = str(error)
    text = " ".join(text.split())
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def _render(text: Any, values: dict[str, Any]) -> str:
    if not text:
        return ""
    rendered = str(text)
    try:
        return rendered % {key: str(value) for key, value in values.items()}
    except (KeyError, ValueError, TypeError):
        # A translation that dropped or mistyped a placeholder must not crash validation.
        return rendered


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; stable otherwise (document order)."""
    return sorted(findings, key=lambda finding: SEVERITY_ORDER[finding.severity])


def join_places(places: list[str]) -> str:
    """Several locations in one field: “第1段…；第2段…” in Chinese, “…; …” in English."""
    return pgettext("separator between places in a list", "; ").join(places)


def join_numbers(numbers: list[int]) -> str:
    """Page numbers and the like: “2、5、7” in Chinese, “2, 5, 7” in English."""
    return pgettext("separator between numbers in a list", ", ").join(str(number) for number in numbers)
