from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.utils.http import content_disposition_header

from accounts.queries import latest_registration_of, waiting_registration_counts
from portal.demo import DEMO_PASSWORD
from cases.queries import current_campaign, memberships_of
from cases.rules import can_administer
from mail.queries import outbox_counts
from review.announcements import announcements_for
from portal.queries import demo_accounts, public_campaign_page
from review.documents.notice_attachments import ATTACHMENT_NUMBERS, attachment_filename, build_attachment
from review.queries import workbench_for


@login_required
@require_safe
def home(request):
    """工作台: one panel per role the user holds, saying what to do now."""
    campaign = current_campaign()
    has_roles = bool(memberships_of(request.user))
    panels = workbench_for(request.user, campaign)
    # Association staff see how many enterprise registrations wait for them; an applicant without a
    # role yet sees where the registration stands.
    waiting = waiting_registration_counts(request.user) if has_roles else {}
    for panel in panels:
        panel.registrations_waiting = waiting.get(panel.membership.organisation_id, 0)
    context = {
        "campaign": campaign,
        "panels": panels,
        "has_roles": has_roles,
        "registration": None if has_roles else latest_registration_of(request.user),
        "announcements": announcements_for(request.user),
    }
    if can_administer(request.user):
        context["failed_mails"] = outbox_counts()["failed"]
    return render(request, "portal/home.html", context)


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Demo passwords are shown only in demo mode, never in a real deployment.
        if settings.DEMO_MODE:
            context["demo_accounts"] = demo_accounts()
            context["demo_password"] = DEMO_PASSWORD
        return context


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_safe  # a public reading page: a POST is 405 like every other
def campaign_page(request):
    """The current campaign's public page (三(一) 动员部署, 五 联系方式): the notice, the 征集标准,
    the attachments, the timeline with today's stage, the contacts and how an enterprise takes
    part. No sign-in; nothing of any case."""
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    return render(request, "portal/campaign_page.html", {"page": public_campaign_page(campaign)})


@require_safe
def campaign_attachment(request, attachment: int):
    """附件`attachment` (1–6) of the current campaign as Word, for anyone."""
    campaign = current_campaign()
    if campaign is None or attachment not in ATTACHMENT_NUMBERS:
        raise Http404
    response = HttpResponse(build_attachment(campaign, attachment), content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, attachment_filename(campaign, attachment))
    return response
