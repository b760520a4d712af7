from django.contrib import admin

from nqi.core import workdays

from .models import AuditEntry, Holiday, Notification, ServiceLine


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Administrators enter next year's State Council holiday arrangement here when the calendar package lags."""

    list_display = ["date", "name", "is_working_day"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        workdays.clear_cache()


@admin.register(ServiceLine)
class ServiceLineAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "accept_working_days", "default_turnaround_days", "sort_order"]
    list_editable = ["accept_working_days", "default_turnaround_days"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "content_type", "object_id", "actor", "action", "from_state", "to_state"]
    list_filter = ["action", "content_type"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]
    search_fields = ["title", "recipient__username"]
