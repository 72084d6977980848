from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.queries import latest_registration_of, waiting_registration_counts
from portal.demo import DEMO_PASSWORD
from cases.queries import current_campaign, memberships_of
from portal.queries import demo_accounts
from cases.rules import can_administer
from mail.queries import outbox_counts
from review.announcements import announcements_for
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
