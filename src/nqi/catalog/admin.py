from django.contrib import admin

from .models import Accreditation, Expert, ServiceItem


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "line", "fee_min", "fee_max", "turnaround_days", "mode", "active"]
    list_filter = ["line", "mode", "active"]
    search_fields = ["name", "provider__name"]


@admin.register(Accreditation)
class AccreditationAdmin(admin.ModelAdmin):
    list_display = ["provider", "kind", "number", "valid_until"]
    list_filter = ["kind"]
    search_fields = ["number", "provider__name", "scope"]


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "organisation", "available", "max_load"]
    list_filter = ["lines", "available"]
    search_fields = ["name", "fields", "affiliation"]
    filter_horizontal = ["lines"]
