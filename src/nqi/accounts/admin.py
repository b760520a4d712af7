from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "industry", "size", "status"]
    list_filter = ["kind", "city", "status", "size"]
    search_fields = ["name", "short_name", "credit_code"]
    filter_horizontal = ["service_lines"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "organisation__name"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("平台"), {"fields": ("role", "organisation", "full_name", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("平台"), {"fields": ("role", "organisation", "full_name")}),)
    autocomplete_fields = ["organisation"]
