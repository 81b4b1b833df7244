from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("people/import/", include("groups.urls_import")),
    path("", include("provisioning.urls_plans")),
    path("", include("provisioning.urls_log")),
    path("groups/", include("groups.urls")),
    path("apps/", include("apps_catalog.urls")),
    path("apps/", include("provisioning.urls")),
    path("my-apps/", include("provisioning.urls_my_apps")),
    path("outbox/", include("notifications.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler403 = "accounts.views.permission_denied"
handler404 = "accounts.views.page_not_found"
