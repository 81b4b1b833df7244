from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup

from .models import Organization, User

admin.site.site_header = "Bitium operations"
admin.site.unregister(AuthGroup)  # tenants use groups.Group; auth groups are unused


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "first_name", "last_name", "organization", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    exclude = ["password"]
    list_select_related = ["organization"]
