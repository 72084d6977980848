"""Provincial staff read the text messages in the admin: what failed, why (in Chinese) and the
provider's own code. Read-only, never the code itself (erased once a message is done, and
never shown before) nor the full number."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sms.models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "masked_phone", "state", "attempts", "failure_reason", "last_error", "sent_at")
    list_filter = ("state", "kind", "failure", "created_at")
    fields = ("kind", "masked_phone", "state", "attempts", "gateway", "provider_message_id", "failure_reason",
              "last_error", "created_at", "next_attempt_at", "expires_at", "sent_at")
    readonly_fields = fields
    date_hierarchy = "created_at"

    @admin.display(description=_("mobile number"))
    def masked_phone(self, message):
        return message.masked_phone

    @admin.display(description=_("failure"))
    def failure_reason(self, message):
        return message.get_failure_display() if message.failure else ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
