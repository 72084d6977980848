"""Reads of the mail app for the province's outbox and template pages."""

from dataclasses import dataclass

from django.db.models import Count

from mail.enums import MailState
from mail.kinds import MailKind, editable_kinds, get_kind
from mail.models import MailTemplate, OutboxMail

OUTBOX_PAGE_ROWS = 200


def outbox_counts() -> dict[str, int]:
    """How many mails are in each state (every state present, 0 when none)."""
    counts = dict(OutboxMail.objects.order_by().values_list("state").annotate(n=Count("pk")))
    return {state: counts.get(state, 0) for state in MailState.values}


def outbox_mails(*, state: str | None = None, limit: int = OUTBOX_PAGE_ROWS) -> list[OutboxMail]:
    """The newest mails (of one state), each with `kind_label` and `body_visible` set for the page.
    One query whatever the number of rows."""
    mails = OutboxMail.objects.select_related("resent_by").defer("body", "html_body", "attachments")
    if state:
        mails = mails.filter(state=state)
    rows = list(mails[:limit])
    for mail in rows:
        mail.kind_label = get_kind(mail.kind).label
    return rows


def outbox_mail(mail_id: int) -> OutboxMail | None:
    mail = OutboxMail.objects.select_related("resent_by").filter(pk=mail_id).first()
    if mail is not None:
        kind = get_kind(mail.kind)
        mail.kind_label = kind.label
        # A private body (a reset link, anything sent with plain send_mail) is never shown.
        mail.body_visible = not kind.private
    return mail


@dataclass
class TemplateRow:
    kind: MailKind
    template: MailTemplate | None

    @property
    def problem(self) -> str:
        return self.template.problem if self.template else ""


def template_rows() -> list[TemplateRow]:
    """Every editable kind with the province's template (None: the default is used)."""
    templates = {template.kind: template for template in MailTemplate.objects.select_related("updated_by")}
    return [TemplateRow(kind, templates.get(kind.key)) for kind in editable_kinds()]


def broken_templates() -> list[TemplateRow]:
    return [row for row in template_rows() if row.problem]
