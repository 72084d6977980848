from django.contrib import admin

from cases.admin import ArchivedCampaignInline, ArchivedCampaignRowAdmin
from quotas.models import CityQuota


class CityQuotaInline(ArchivedCampaignInline, admin.TabularInline):
    """The campaign's quota table (附件2) on its own page; read-only once the campaign is closed."""

    model = CityQuota
    extra = 0
    autocomplete_fields = ["city"]
    fields = ["position", "city", "cases", "presenters"]


@admin.register(CityQuota)
class CityQuotaAdmin(ArchivedCampaignRowAdmin, admin.ModelAdmin):
    list_display = ["campaign", "position", "city", "cases", "presenters"]
    list_filter = ["campaign"]
    list_select_related = ["campaign", "city"]
