import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.enums import Tier
from cases.models import Campaign, CampaignContact, CampaignNotice, Case, CoOrganiser, Enterprise, Membership, Organisation, Upload
from cases.queries import submitted_cases
from cases.rules import CampaignClosed, campaign_is_open, ensure_campaign_open


# --- campaigns: a closed campaign is an archive, read-only here too --------------------------------

def campaign_is_archived(campaign: Campaign | None) -> bool:
    """Whether `campaign` is closed (an archive). None, the campaign of an add form, is not."""
    return campaign is not None and not campaign_is_open(campaign)


def warn_campaign_archived(request, campaign: Campaign) -> None:
    """The note at the top of a read-only page of a closed campaign, saying why nothing can be changed."""
    try:
        ensure_campaign_open(campaign)
    except CampaignClosed as closed:
        messages.warning(request, "{} {}".format(closed, _(
            "Its settings, quotas and scoring criteria are shown read-only. To prepare a new year, tick it on the "
            "list of campaigns and choose the action “Use the selected campaign as a template for next year's "
            "campaign”."
        )))


class ArchivedCampaignInline:
    """An inline of the campaign's page (its quotas, its criteria): read-only once the campaign is
    closed, for superusers too (an archive is an archive). `obj` is the campaign."""

    def has_add_permission(self, request, obj=None):
        return not campaign_is_archived(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not campaign_is_archived(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not campaign_is_archived(obj) and super().has_delete_permission(request, obj)


class ArchivedCampaignRowAdmin:
    """The admin of rows that belong to a campaign (its quotas, its criteria): a row of a closed
    campaign is read-only, and no row can be added to or moved into a closed campaign."""

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and campaign_is_archived(obj.campaign)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and campaign_is_archived(obj.campaign)) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "campaign":
            kwargs["queryset"] = Campaign.objects.filter(closed_at__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        row = self.get_object(request, unquote(object_id)) if request.method == "GET" else None
        if row is not None and campaign_is_archived(row.campaign):
            warn_campaign_archived(request, row.campaign)
        return super().change_view(request, object_id, form_url, extra_context)


class CampaignNoticeInline(ArchivedCampaignInline, admin.StackedInline):
    """The notice's text and 附件1 as the public campaign page shows them."""

    model = CampaignNotice
    extra = 1
    max_num = 1
    fields = ["text", "materials_text"]


class CampaignContactInline(ArchivedCampaignInline, admin.TabularInline):
    """联系方式 (五) of the public campaign page: the province edits it here."""

    model = CampaignContact
    extra = 0
    fields = ["position", "label", "value"]


class CampaignAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_current") and not (self.instance.pk and self.instance.is_current):
            from cases.queries import unfinished_current_campaign

            blocking = unfinished_current_campaign(excluding=self.instance)
            if blocking is not None:
                previous, submitted = blocking
                self.add_error("is_current", _(
                    "“%(previous)s” is still running: %(count)d submitted case(s) are in it and would drop out of "
                    "every list. Close it first on the page Campaign close and archive (download its archive), "
                    "then make this campaign current."
                ) % {"previous": previous.title, "count": submitted})
        return cleaned

    def _get_validation_exclusions(self):
        # Ticking 当前活动 here takes it off the campaign that is current now (CampaignAdmin.save_model),
        # so "only one current campaign" is kept by the save instead of refused by the form.
        return super()._get_validation_exclusions() | {"is_current"}


class CoOrganiserInline(ArchivedCampaignInline, admin.TabularInline):
    """The co-organising departments (they upload an activity plan and a work summary) and the
    accounts that upload for them."""

    model = CoOrganiser
    extra = 0
    fields = ["position", "name", "members"]
    filter_horizontal = ["members"]


def _one_year_later(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _next_years_title(source: Campaign, year: int) -> str:
    if str(source.year) in source.title:
        return source.title.replace(str(source.year), str(year))
    return _("%(title)s (%(year)d)") % {"title": source.title, "year": year}


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = ["year", "title", "is_current", "closed_at", "enterprise_deadline", "association_deadline", "county_deadline", "city_deadline"]
    list_editable = []
    readonly_fields = ["closed_at"]
    actions = ["start_next_years_campaign"]
    fieldsets = [
        (None, {"fields": ["year", "title", "document_number", "is_current", "closed_at"]}),
        (_("Deadlines (inclusive, Beijing time)"), {"fields": ["enterprise_deadline", "association_deadline", "county_deadline", "city_deadline"]}),
        (_("Other deadlines (inclusive, Beijing time; empty: none)"), {"fields": [
            "activity_plan_deadline", "work_summary_deadline", "winner_materials_deadline"]}),
        (_("Materials (附件1, 附件3)"), {"fields": [
            "narrative_notice_chars", "narrative_max_chars", "proof_materials", "forward_requires_paper"]}),
        (_("Rules of the quota table (附件2)"), {"fields": ["park_case_share_percent", "park_presenter_share_percent", "max_cases_per_enterprise"]}),
        (_("Provincial selection"), {"fields": [
            "experts_per_case", "normalise_expert_scores", "expert_weight", "public_weight", "winners_count",
            "presenters_count", "presenters_per_city_max", "province_enforces_park_share", "scoring_closes_at", "vote_opens_at", "vote_closes_at",
            "vote_min_picks", "vote_max_picks", "objection_days",
        ]}),
    ]

    def get_inlines(self, request, obj):
        # quotas and review depend on cases, not the other way round
        from quotas.admin import CityQuotaInline
        from review.admin import ScoringCriterionInline

        return [CampaignNoticeInline, CampaignContactInline, CityQuotaInline, ScoringCriterionInline, CoOrganiserInline]

    # A closed campaign is read-only, for superusers too: its archive must keep the numbers it had.
    def has_change_permission(self, request, obj=None):
        return not campaign_is_archived(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not campaign_is_archived(obj) and super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """The list's "delete selected" asks this before confirming: a closed campaign among the
        selection makes the page refuse, saying which one and why."""
        archived = [campaign for campaign in objs if campaign_is_archived(campaign)]
        if archived:
            return [], {}, set(), [
                _("“%(title)s” is closed and archived: a closed campaign cannot be deleted. Untick it on the list.")
                % {"title": campaign.title} for campaign in archived
            ]
        return super().get_deleted_objects(objs, request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # On GET only: a POST to a closed campaign is refused (403) before any page shows the note.
        campaign = self.get_object(request, unquote(object_id)) if request.method == "GET" else None
        if campaign_is_archived(campaign):
            warn_campaign_archived(request, campaign)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Ticking 当前活动 moves it here from the campaign current until now, in the admin's
        transaction (one campaign is current at a time), and says so."""
        from cases.services import release_current_campaign

        previous = release_current_campaign(for_campaign=obj) if obj.is_current else None
        super().save_model(request, obj, form, change)
        if previous is not None:
            self.message_user(request, _(
                "“%(campaign)s” is now the current campaign; “%(previous)s” is no longer current (one campaign is "
                "current at a time). Its pages and archive stay on the page Campaign close and archive."
            ) % {"campaign": obj.title, "previous": previous.title}, messages.INFO)

    @admin.action(description=_("Use the selected campaign as a template for next year's campaign"), permissions=["add"])
    def start_next_years_campaign(self, request, queryset):
        """The year after the selected campaign's, with its quotas, criteria and rules, its deadlines
        one year later; neither current nor closed. Opens the new campaign's page to check it."""
        # quotas depends on cases, not the other way round
        from quotas.services import start_campaign_from

        selected = list(queryset[:2])
        if len(selected) != 1:
            self.message_user(request, _(
                "Tick exactly one campaign to use as the template (you ticked %(count)d), then run the action again."
            ) % {"count": queryset.count()}, messages.ERROR)
            return None
        [source] = selected
        year = source.year + 1
        existing = Campaign.objects.filter(year=year).first()
        if existing is not None:
            self.message_user(request, _(
                "The campaign of %(year)d exists already (“%(title)s”): open it on the list to change it, or use the "
                "latest campaign as the template."
            ) % {"year": year, "title": existing.title}, messages.ERROR)
            return None
        deadlines = tuple(_one_year_later(source.deadline_for(tier)) for tier in (Tier.ENTERPRISE, Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY))
        campaign = start_campaign_from(source, year=year, title=_next_years_title(source, year), deadlines=deadlines,
                                       make_current=False)
        self.message_user(request, _(
            "The campaign of %(year)d is created from “%(source)s”: its quotas, scoring criteria and rules are "
            "copied and its deadlines are one year later. Check the title, notice number, deadlines, quotas and "
            "criteria against the new notice, set the times of expert scoring and of the vote, then tick “current "
            "campaign” when it starts."
        ) % {"year": year, "source": source.title}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:cases_campaign_change", args=[campaign.pk]))


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
    """Provincial staff manage accounts here, but only a superuser grants the powers that bypass the
    portal's own rules (superuser status, raw permissions and groups) or touches a superuser's account:
    otherwise a staff member could make an expert a superuser, who then sees every case and phone
    regardless of recusal."""

    inlines = [MembershipInline]
    list_display = ["username", "first_name", "email", "is_active", "is_staff", "last_login"]
    RESERVED_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if request.user.is_superuser else (*readonly, *self.RESERVED_FIELDS)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, id)
        if target is not None and target.is_superuser and not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


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

    def get_queryset(self, request):
        # A draft is its enterprise's own until submitted: not listed, searched or opened here either.
        return submitted_cases().select_related(*self.list_select_related)
