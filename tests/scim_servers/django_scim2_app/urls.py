from django.urls import include, path

from . import views

urlpatterns = [
    path("scim/v2/", include("django_scim.urls")),  # namespace "scim", as django-scim2 needs
    path("test/reset", views.reset),
]
