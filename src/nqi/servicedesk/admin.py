from django.contrib import admin

from .models import ServiceRequest, SolvedCase


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Read-only here: state changes go through the workflow actions, never by editing rows."""

    list_display = ["number", "title", "kind", "status", "city", "enterprise", "provider", "submitted_at"]
    list_filter = ["status", "kind", "city", "line"]
    search_fields = ["number", "title", "enterprise__name"]
    date_hierarchy = "submitted_at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(SolvedCase)
class SolvedCaseAdmin(admin.ModelAdmin):
    list_display = ["title", "line", "industry", "city", "published_at"]
    list_filter = ["line", "city"]
    search_fields = ["title", "problem", "solution"]
