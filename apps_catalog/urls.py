from django.urls import path

from . import views

urlpatterns = [
    path("", views.manage_apps, name="manage_apps"),
    path("add/", views.add_an_app, name="add_an_app"),
    path("columns/", views.manage_apps_columns, name="manage_apps_columns"),
    path("requests/", views.support_requests, name="support_requests"),
    path("requests/new/", views.request_auto_provisioning, name="request_auto_provisioning"),
    path("add/<slug:catalog_key>/", views.add_app_form, name="add_app_form"),
    path("<uuid:app_id>/", views.app_detail, name="app_detail"),
    path("<uuid:app_id>/settings/", views.app_settings, name="app_settings"),
    path("<uuid:app_id>/remove/", views.app_remove, name="app_remove"),
    path("groups/<uuid:group_id>/attach/", views.attach_app, name="attach_app"),
    path("groups/<uuid:group_id>/detach/<uuid:app_id>/", views.detach_app, name="detach_app"),
]
