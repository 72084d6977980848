"""Admin pages of expert review's setup data: the scoring criteria of each campaign (征集标准) and
the expert pool (专家库). Everything else of review changes only through its services.

Verbose names (Chinese in the catalogue) come from the models."""

from django.contrib import admin, messages
from django.db import transaction

from cases.admin import ArchivedCampaignInline, ArchivedCampaignRowAdmin
from review.experts.services import ReviewRefused, reevaluate_assignments
from review.models.scoring import ExpertProfile, ScoringCriterion
from review.views.experts import tell_recusal


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

    def save_model(self, request, obj, form, change):
        """A new home city or employer applies the recusal rules (回避) again to the expert's
        assignments, as the pool page does, in the same transaction: refused, nothing is saved."""
        try:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                report = reevaluate_assignments(expert=obj.user, actor=request.user)
        except ReviewRefused as refused:
            request._expert_profile_refused = True
            messages.error(request, str(refused))
            return
        tell_recusal(request, report)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if getattr(request, "_expert_profile_refused", False) and level == messages.SUCCESS:
            return  # the change was refused and rolled back: no "changed successfully"
        super().message_user(request, message, level, *args, **kwargs)
