"""Admin pages of expert review's setup data: the scoring criteria of each campaign (征集标准) and
the expert pool (专家库). Everything else of review changes only through its services.

Verbose names (Chinese in the catalogue) come from the models."""

from django.contrib import admin

from cases.admin import ArchivedCampaignInline, ArchivedCampaignRowAdmin
from review.models.scoring import ExpertProfile, ScoringCriterion


class ScoringCriterionInline(ArchivedCampaignInline, admin.TabularInline):
    """The campaign's criteria on its own admin page (cases.admin.CampaignAdmin.get_inlines);
    read-only once the campaign is closed."""

    model = ScoringCriterion
    extra = 0
    fields = ["position", "name", "weight", "max_points", "description"]


@admin.register(ScoringCriterion)
class ScoringCriterionAdmin(ArchivedCampaignRowAdmin, admin.ModelAdmin):
    list_display = ["campaign", "position", "name", "weight", "max_points"]
    list_display_links = ["name"]
    list_filter = ["campaign"]
    list_select_related = ["campaign"]
    ordering = ["-campaign__year", "position", "pk"]
    fields = ["campaign", "position", "name", "description", "weight", "max_points"]


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "home_city", "employer", "expertise", "is_active"]
    list_filter = ["is_active", "home_city"]
    search_fields = ["user__username", "user__first_name", "expertise", "employer__name"]
    autocomplete_fields = ["user", "home_city", "employer"]
    list_select_related = ["user", "home_city", "employer"]
