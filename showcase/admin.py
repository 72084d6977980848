from django.contrib import admin

from showcase.models import PresenterTalk, ShowcaseEvent


@admin.register(PresenterTalk)
class PresenterTalkAdmin(admin.ModelAdmin):
    """The presenters' programme (宣讲): the province enters each talk's date and place here."""

    list_display = ("starts_at", "case", "place", "campaign")
    list_filter = ("campaign",)
    autocomplete_fields = ("case",)
    ordering = ("starts_at",)


@admin.register(ShowcaseEvent)
class ShowcaseEventAdmin(admin.ModelAdmin):
    """The record of consents and publication decisions: read-only."""

    list_display = ("at", "case", "action", "actor", "note")
    list_filter = ("action", "campaign")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
