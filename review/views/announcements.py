"""The province's announcements page: send one, see those sent."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases.refusals import Refused
from review.announcements import audience_text, send_announcement, sent_announcements
from review.forms import AnnouncementForm
from review.views.access import require_province_staff


@login_required
def announcement_list(request):
    require_province_staff(request)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            send_announcement(title=data["title"], message=data["message"], actor=request.user, city=data["city"],
                              **{flag: True for flag in data["audiences"]})
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The announcement is on the recipients' workbench and is being mailed to them."))
            return redirect("review:announcement_list")
    sent = sent_announcements()
    for announcement in sent:
        announcement.audience = audience_text(announcement)
    return render(request, "review/announcement_list.html", {"form": form, "sent": sent})
