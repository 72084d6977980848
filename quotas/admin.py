from django.contrib import admin

from quotas.models import CityQuota


class CityQuotaInline(admin.TabularInline):
    model = CityQuota
    extra = 0
    autocomplete_fields = ["city"]
    fields = ["position", "city", "cases", "presenters"]


@admin.register(CityQuota)
class CityQuotaAdmin(admin.ModelAdmin):
    list_display = ["campaign", "position", "city", "cases", "presenters"]
    list_filter = ["campaign"]
    list_select_related = ["campaign", "city"]
