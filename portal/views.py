from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.demo import DEMO_PASSWORD
from cases.queries import current_campaign, memberships_of
from portal.queries import demo_accounts
from cases.rules import can_administer
from mail.queries import outbox_counts
from review.announcements import announcements_for
from review.queries import workbench_for


@login_required
def home(request):
    """工作台: one panel per role the user holds, saying what to do now."""
    campaign = current_campaign()
    context = {
        "campaign": campaign,
        "panels": workbench_for(request.user, campaign),
        "has_roles": bool(memberships_of(request.user)),
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
