from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from cases.models import Campaign, Case, Enterprise, Membership, Organisation, Upload


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "is_current", "enterprise_deadline", "association_deadline", "county_deadline", "city_deadline"]
    list_editable = []
    fieldsets = [
        (None, {"fields": ["year", "title", "document_number", "is_current"]}),
        (_("Deadlines (inclusive, Beijing time)"), {"fields": ["enterprise_deadline", "association_deadline", "county_deadline", "city_deadline"]}),
        (_("Rules of the quota table (附件2)"), {"fields": ["park_case_share_percent", "park_presenter_share_percent", "max_cases_per_enterprise"]}),
        (_("Provincial selection"), {"fields": [
            "experts_per_case", "normalise_expert_scores", "expert_weight", "public_weight", "winners_count",
            "presenters_count", "presenters_per_city_max", "scoring_closes_at", "vote_opens_at", "vote_closes_at",
            "vote_min_picks", "vote_max_picks", "objection_days",
        ]}),
    ]

    def get_inlines(self, request, obj):
        # quotas and review depend on cases, not the other way round
        from quotas.admin import CityQuotaInline
        from review.admin import ScoringCriterionInline

        return [CityQuotaInline, ScoringCriterionInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "parent", "contact_name", "contact_phone"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "region"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "enterprise_type", "association", "has_park_association", "has_enterprise_association"]
    list_filter = ["enterprise_type", "has_park_association", "has_enterprise_association"]
    search_fields = ["name", "short_name", "credit_code"]
    autocomplete_fields = ["association"]
    list_select_related = ["association"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation", "enterprise"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "email", "is_active", "is_staff", "last_login"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "enterprise"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "organisation__name", "enterprise__name"]
    autocomplete_fields = ["user", "organisation", "enterprise"]
    list_select_related = ["user", "organisation", "enterprise"]


class UploadInline(admin.TabularInline):
    model = Upload
    extra = 0
    can_delete = False
    fields = ["slot", "original_name", "size", "sha256", "uploaded_at", "superseded_at"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only here: cases move only through the pipeline's transition service."""

    list_display = ["title", "enterprise", "campaign", "status", "updated_at"]
    list_filter = ["campaign", "status", "case_type"]
    search_fields = ["title", "enterprise__name"]
    list_select_related = ["enterprise", "campaign"]
    inlines = [UploadInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
