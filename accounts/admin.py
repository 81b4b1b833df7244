from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup

from .models import AuditEntry, Organization, User

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


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are append-only. Staff see every organization's, and the failed
    sign-ins for emails no organization knows (no organization)."""

    list_display = ["created_at", "organization", "actor_email", "action", "object_label"]
    search_fields = ["actor_email", "object_label"]
    list_select_related = ["organization"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
