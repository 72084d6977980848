"""Running the format fixer on a narrative file, safely, and judging its output by the same rules.

`fix_narrative_file(source, target, context=...)` is what the worker task and `manage.py
fix_narrative` both call:
1. the file is checked first (cases.validation.validate_file, kind narrative): a file the check
   finds unopenable (damaged, disguised, too large, a zip bomb: rules.UNOPENABLE_CODES) is refused
   and never opened by the fixer;
2. a legacy .doc goes through the checks' LibreOffice conversion (cases.validation.office.as_ooxml);
3. the engine's guard reads the zip directory (part sizes, compression ratios);
4. the rewrite runs in a child process with the tools' address-space limit and a timeout
   (cases.documents.narrative_fix through cases.validation.isolation.run_tool);
5. the output is checked again by the same rules: what they still find is "still to do by hand",
   and a fixable rule still failing there would be a defect of the fixer (`format_rules_pass`).
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from cases.documents.narrative_fix import EXIT_NOT_FIXABLE, PEAK_RSS_PREFIX
from cases.validation import rules, validate_file
from cases.validation.findings import Finding
from cases.validation.isolation import ToolMissing, ToolTimeout, private_folder, run_tool
from cases.validation.limits import ValidationContext
from cases.validation.office import WORD_STREAM, NotConvertible, as_ooxml
from cases.validation.ooxml import OoxmlPackage, UnreadablePackage
from cases.validation.units import describe_bytes

logger = logging.getLogger(__name__)
FIX_TIMEOUT_SECONDS = 120.0
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The rules the fixer repairs. The others (length, outline, picture count and size, the subtitle's
# text, advertising tone) need the author: they are listed as still to do by hand.
FIXED_RULES = frozenset({
    rules.TITLE_STYLE.code, rules.TITLE_FONT.code, rules.SUBTITLE_FONT.code, rules.BODY_FONT.code,
    rules.BODY_SIZE.code, rules.INDENT.code, rules.LINE_SPACING.code, rules.IMAGE_WRAP.code,
})


@dataclass
class FixOutcome:
    """What became of one fix: `refusal` (Chinese: which problem, how to fix it) when the input was
    refused; otherwise the changes made and the findings the rules still have on the output."""

    refusal: str = ""
    changes: list[dict] = field(default_factory=list)
    findings_before: list[Finding] = field(default_factory=list)
    findings_after: list[Finding] = field(default_factory=list)
    peak_rss_kib: int | None = None

    @property
    def refused(self) -> bool:
        return bool(self.refusal)

    @property
    def format_rules_pass(self) -> bool:
        return not self.refused and not any(finding.rule in FIXED_RULES for finding in self.findings_after)

    def to_dict(self) -> dict:
        return {
            "refused": self.refused,
            "refusal": self.refusal,
            "changes": self.changes,
            "findings_left": [finding.to_dict() for finding in self.findings_after],
            "format_rules_pass": self.format_rules_pass,
        }


def has_fixable_findings(findings: list[dict]) -> bool:
    """The stored findings of a narrative upload include one the fixer repairs, and none saying the
    file cannot be opened."""
    codes = {finding.get("rule") for finding in findings}
    return bool(codes & FIXED_RULES) and not codes & rules.UNOPENABLE_CODES


def fix_narrative_file(source: Path, target: Path, *, context: ValidationContext, display_name: str | None = None) -> FixOutcome:
    """Fix `source` (.docx or .doc) into `target` (.docx); see the module's steps."""
    display_name = display_name or source.name
    before = validate_file(source, "narrative", context=context, display_name=display_name)
    unopenable = next((finding for finding in before if finding.rule in rules.UNOPENABLE_CODES or finding.rule == rules.TOOL_UNAVAILABLE.code), None)
    if unopenable is not None:
        return FixOutcome(refusal=_refusal(display_name, unopenable.message, unopenable.fix), findings_before=before)
    if any(finding.rule in (rules.NARRATIVE_EMPTY.code,) for finding in before):
        finding = next(f for f in before if f.rule == rules.NARRATIVE_EMPTY.code)
        return FixOutcome(refusal=_refusal(display_name, finding.message, finding.fix), findings_before=before)
    limits = context.limits
    with private_folder(context.temp_root) as folder:
        try:
            docx = as_ooxml(source, context, folder, legacy_stream=WORD_STREAM, target="docx", unreadable=rules.DOCX_UNREADABLE)
            with OoxmlPackage(docx, limits):
                pass  # the guard: the zip directory alone, before anything is inflated
        except NotConvertible as problem:
            finding = problem.args[0]
            return FixOutcome(refusal=_refusal(display_name, finding.message, finding.fix), findings_before=before)
        except UnreadablePackage as problem:
            finding = rules.DOCX_UNREADABLE.finding(found=str(problem))
            return FixOutcome(refusal=_refusal(display_name, finding.message, finding.fix), findings_before=before)
        output = folder / "fixed.docx"
        refusal, changes, peak = _run_fixer(docx, output, folder, limits, display_name)
        if refusal:
            return FixOutcome(refusal=refusal, findings_before=before, peak_rss_kib=peak)
        shutil.copyfile(output, target)
    after = validate_file(target, "narrative", context=context, display_name=target.name)
    outcome = FixOutcome(changes=changes, findings_before=before, findings_after=after, peak_rss_kib=peak)
    if not outcome.format_rules_pass:
        logger.error("the format fixer left fixable findings on %s: %s", display_name,
                     [finding.rule for finding in after if finding.rule in FIXED_RULES])
    return outcome


def _run_fixer(docx: Path, output: Path, folder: Path, limits, display_name: str) -> tuple[str, list[dict], int | None]:
    language = translation.get_language() or "zh-hans"
    too_big = _("it needs more than %(limit)s of memory to rewrite, far more than a narrative of text and up to three photos.") % {
        "limit": describe_bytes(limits.tool_memory_bytes)}
    fix = _("Open it in Word, compress the pictures (File → Compress Pictures), save it as .docx.")
    try:
        result = run_tool([sys.executable, "-m", "cases.documents.narrative_fix", str(docx), str(output), language],
                          timeout=FIX_TIMEOUT_SECONDS, cwd=folder, memory_limit=limits.tool_memory_bytes,
                          extra_env={"PYTHONPATH": str(PROJECT_ROOT)})
    except ToolTimeout:
        return _refusal(display_name, _("it took too long to rewrite."), fix), [], None
    except ToolMissing as missing:
        raise RuntimeError(f"{missing} is needed to fix the narrative") from None
    peak = _peak(result.stderr)
    logger.info("narrative fix: exit %s, peak memory %s KiB", result.returncode, peak,
                extra={"event": "narrative_fix", "returncode": result.returncode, "peak_rss_kib": peak})
    if result.returncode == EXIT_NOT_FIXABLE:
        return _refusal(display_name, _("no narrative the fixer can rewrite was found in it."), _(
            "Check that this is the 案例概要 in Word (.docx), or start from the narrative template.")), [], peak
    if result.returncode != 0 or not output.is_file():
        logger.warning("narrative fix failed: %s", result.stderr.decode("utf-8", "replace")[-500:])
        return _refusal(display_name, too_big, fix), [], peak
    return "", json.loads(result.stdout.decode("utf-8"))["changes"], peak


def _peak(stderr: bytes) -> int | None:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    if lines and lines[-1].startswith(PEAK_RSS_PREFIX):
        return int(lines[-1][len(PEAK_RSS_PREFIX):])
    return None


def _refusal(name: str, problem: str, fix: str) -> str:
    return _("The format of “%(name)s” was not fixed: %(problem)s %(fix)s") % {
        "name": name, "problem": problem.rstrip(), "fix": fix.rstrip()}
