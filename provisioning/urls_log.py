"""The provisioning log: the organization's, an app's, a person's, an account's history;
each with its CSV export (the same view, export=True)."""

from django.urls import path

from . import log_views as views

EXPORT = {"export": True}

urlpatterns = [
    path("log/", views.organization_log, name="provisioning_log"),
    path("log/export/", views.organization_log, EXPORT, name="provisioning_log_export"),
    path("apps/<uuid:app_id>/log/", views.app_log, name="app_log"),
    path("apps/<uuid:app_id>/log/export/", views.app_log, EXPORT, name="app_log_export"),
    path("people/<uuid:user_id>/log/", views.person_log, name="person_log"),
    path("people/<uuid:user_id>/log/export/", views.person_log, EXPORT, name="person_log_export"),
    path(
        "apps/<uuid:app_id>/users/<uuid:account_id>/",
        views.account_history,
        name="account_history",
    ),
    path(
        "apps/<uuid:app_id>/users/<uuid:account_id>/export/",
        views.account_history,
        EXPORT,
        name="account_history_export",
    ),
]
