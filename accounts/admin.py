"""The account admin gains the phone (for SMS resets) and an action that mails a reset link.
Registered over cases' PortalUserAdmin, keeping all of its guards (accounts is installed after cases)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountProfile, EnterpriseRegistration
from accounts.services import AccountRefused, send_reset_link
from cases.admin import PortalUserAdmin

User = get_user_model()


class AccountProfileInline(admin.StackedInline):
    model = AccountProfile
    can_delete = False
    extra = 0
    max_num = 1


@admin.action(description=_("Mail the selected accounts a link to set a new password"), permissions=["change"])
def send_password_reset_links(modeladmin, request, queryset):
    sent, refusals = 0, []
    for user in queryset.order_by("pk"):
        # The same rule as changing a password here: only a superuser touches a superuser's account.
        if user.is_superuser and not request.user.is_superuser:
            refusals.append(_("%(user)s is a superuser: only a superuser sends it a reset link.") % {"user": user})
            continue
        try:
            send_reset_link(user=user, actor=request.user, base_url=request.build_absolute_uri("/"), by_staff=True)
        except AccountRefused as refused:
            refusals.append(str(refused))
        else:
            sent += 1
    if sent:
        modeladmin.message_user(request, _("A reset link was mailed to %(count)d account(s).") % {"count": sent}, messages.SUCCESS)
    for refusal in refusals:
        modeladmin.message_user(request, refusal, messages.ERROR)


admin.site.unregister(User)


@admin.register(User)
class AccountUserAdmin(PortalUserAdmin):
    inlines = [*PortalUserAdmin.inlines, AccountProfileInline]
    actions = [send_password_reset_links]


@admin.register(EnterpriseRegistration)
class EnterpriseRegistrationAdmin(admin.ModelAdmin):
    """Read-only: associations decide on their workbench (accounts.services)."""

    list_display = ["enterprise_name", "credit_code", "association", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["enterprise_name", "credit_code", "user__username"]
    list_select_related = ["association"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
