from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.people_import, name="people_import"),
    path("template.csv", import_views.people_import_template, name="people_import_template"),
    path("<uuid:import_id>/", import_views.people_import_preview, name="people_import_preview"),
    path("<uuid:import_id>/import/", import_views.people_import_run, name="people_import_run"),
]
