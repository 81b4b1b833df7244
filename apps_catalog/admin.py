from django.contrib import admin

from .models import CatalogApp, TenantApp


@admin.register(CatalogApp)
class CatalogAppAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "connector_key", "legacy"]
    search_fields = ["name", "key"]


@admin.register(TenantApp)
class TenantAppAdmin(admin.ModelAdmin):
    list_display = ["name", "catalog_app", "organization", "added_at"]
    search_fields = ["name"]
    list_select_related = ["organization", "catalog_app"]
