"""Turning a kind's template and values into a subject and a body.

A template is plain text with placeholders in braces ({case_title}). A template the province
wrote that cannot be rendered (a placeholder the kind does not have, an unmatched brace, an empty
or multi-line subject) never stops a mail: the kind's default is sent instead, the problem is
logged and kept on the template row, where the province's template page shows it.
"""

import logging
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from mail.kinds import MailKind, get_kind
from mail.models import MailTemplate

logger = logging.getLogger("mail.rendering")

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
SUBJECT_MAX = 200


class TemplateProblem(ValueError):
    """Why a template cannot be rendered; str() is a Chinese message saying how to fix it."""


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str
    used_default: bool = False
    problem: str = ""


def template_problems(kind: MailKind, subject: str, body: str) -> list[str]:
    """Every reason the province's subject and body cannot be used for `kind` (empty: usable)."""
    problems = []
    for part, text in ((_("Subject"), subject), (_("Body"), body)):
        if not (text or "").strip():
            problems.append(_("%(part)s is empty: write a text, or restore the default.") % {"part": part})
            continue
        unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in kind.names})
        if unknown:
            problems.append(
                _("%(part)s uses {%(names)s}, which this mail does not have. Use only the placeholders listed: %(known)s.")
                % {"part": part, "names": "}、{".join(unknown), "known": "、".join(f"{{{name}}}" for name in sorted(kind.names)) or "—"}
            )
        if "{" in PLACEHOLDER.sub("", text) or "}" in PLACEHOLDER.sub("", text):
            problems.append(
                _("%(part)s has a brace without its partner. Write placeholders as {name}; do not use { or } on their own.")
                % {"part": part}
            )
    if "\n" in (subject or "").strip() or "\r" in (subject or ""):
        problems.append(_("The subject must be one line."))
    return problems


def fill(text: str, values: dict) -> str:
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), text)


def render_text(kind: MailKind, subject: str, body: str, values: dict) -> RenderedMail:
    """Render one subject and body; raises TemplateProblem when they cannot be used."""
    problems = template_problems(kind, subject, body)
    if problems:
        raise TemplateProblem(" ".join(problems))
    missing = sorted(kind.names - set(values))
    if missing:
        # A caller that forgot a value is a bug of ours; the default would need it too.
        raise KeyError(f"values missing for mail kind {kind.key}: {missing}")
    rendered_subject = " ".join(fill(subject, values).split())
    if not rendered_subject:
        raise TemplateProblem(_("The subject is empty once the placeholders are filled in."))
    if len(rendered_subject) > SUBJECT_MAX:
        rendered_subject = rendered_subject[: SUBJECT_MAX - 1] + "…"
    return RenderedMail(subject=rendered_subject, body=fill(body, values).strip() + "\n")


def render_default(kind: MailKind, values: dict) -> RenderedMail:
    return render_text(kind, str(kind.default_subject), str(kind.default_body), values)


def render_mail(kind_key: str, values: dict) -> RenderedMail:
    """The mail of `kind_key` for `values`: the province's template if it renders, else the default
    (logged as a warning and recorded on the template row for the province to see)."""
    kind = get_kind(kind_key)
    template = MailTemplate.objects.filter(kind=kind.key).first()
    if template is None:
        return render_default(kind, values)
    try:
        rendered = render_text(kind, template.subject, template.body, values)
    except TemplateProblem as problem:
        logger.warning("mail template %s cannot be rendered, the default is sent instead: %s", kind.key, problem)
        MailTemplate.objects.filter(pk=template.pk).update(problem=str(problem)[:2000], problem_at=timezone.now())
        default = render_default(kind, values)
        return RenderedMail(default.subject, default.body, used_default=True, problem=str(problem))
    if template.problem:
        MailTemplate.objects.filter(pk=template.pk).update(problem="", problem_at=None)
    return rendered


def preview(kind: MailKind, subject: str, body: str) -> tuple[RenderedMail | None, list[str]]:
    """The mail as the text would give it with the kind's example values, or the reasons it cannot
    be rendered. Writes nothing."""
    problems = template_problems(kind, subject, body)
    if problems:
        return None, problems
    try:
        return render_text(kind, subject, body, kind.examples()), []
    except TemplateProblem as problem:
        return None, [str(problem)]
