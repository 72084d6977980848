"""The province's mail pages: the outbox (failures, resending) and the templates of each kind of mail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mail.forms import MailTemplateForm, OutboxFilterForm
from mail.kinds import get_kind
from mail.queries import OUTBOX_PAGE_ROWS, broken_templates, outbox_counts, outbox_mail, outbox_mails, template_rows
from mail.rendering import preview
from mail.services import MailRefused, reset_template, resend_failed, resend_mail, save_template
from portal.actions import perform
from review.views.access import require_province_staff


@login_required
def outbox(request):
    require_province_staff(request)
    form = OutboxFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    context = {"form": form, "mails": outbox_mails(state=state or None), "counts": outbox_counts(),
               "page_rows": OUTBOX_PAGE_ROWS, "broken_templates": broken_templates(), "state": state}
    return render(request, "review/mail_outbox.html", context)


@login_required
def outbox_detail(request, mail_id: int):
    require_province_staff(request)
    mail = outbox_mail(mail_id)
    if mail is None:
        raise Http404
    return render(request, "review/mail_detail.html", {"mail": mail})


@login_required
@require_POST
def outbox_resend(request, mail_id: int):
    require_province_staff(request)
    mail = outbox_mail(mail_id)
    if mail is None:
        raise Http404
    perform(request, lambda: resend_mail(mail=mail, actor=request.user),
            success=_("The mail to %(to)s is queued again.") % {"to": mail.to})
    if request.POST.get("next") == "detail":
        return redirect("review:mail_detail", mail_id=mail.pk)
    return redirect("review:mail_outbox")


@login_required
@require_POST
def outbox_resend_failed(request):
    require_province_staff(request)
    perform(request, lambda: resend_failed(actor=request.user),
            success=lambda count: _("%(count)d failed mail(s) queued again.") % {"count": count})
    return redirect("review:mail_outbox")


@login_required
def mail_templates(request):
    require_province_staff(request)
    return render(request, "review/mail_templates.html", {"rows": template_rows()})


@login_required
def mail_template_edit(request, mail_kind: str):
    """GET: the form with the current text. POST action=preview renders it with example values
    (writes nothing); action=save stores it; action=reset goes back to the default."""
    require_province_staff(request)
    kind = mail_kind
    definition = get_kind(kind)
    if definition.key != kind or not definition.editable:
        raise Http404
    row = next(row for row in template_rows() if row.kind.key == kind)
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "reset":
        perform(request, lambda: reset_template(kind=kind, actor=request.user),
                success=_("The default text is used again."))
        return redirect("review:mail_template_edit", mail_kind=kind)
    current = row.template
    initial = {"subject": current.subject if current else str(definition.default_subject),
               "body": current.body if current else str(definition.default_body)}
    form = MailTemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    rendered, problems = None, []
    if request.method == "POST" and form.is_valid():
        subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
        if action == "save":
            try:
                save_template(kind=kind, subject=subject, body=body, actor=request.user)
            except MailRefused as refused:
                problems = [str(refused)]
            else:
                messages.success(request, _("The template is saved; the next mails of this kind use it."))
                return redirect("review:mail_template_edit", mail_kind=kind)
        else:
            rendered, problems = preview(definition, subject, body)
    context = {"kind": definition, "row": row, "form": form, "rendered": rendered, "problems": problems,
               "default_subject": definition.default_subject, "default_body": definition.default_body}
    return render(request, "review/mail_template_edit.html", context)

