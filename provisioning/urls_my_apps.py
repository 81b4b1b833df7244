from django.urls import path

from . import my_apps

urlpatterns = [
    path("", my_apps.my_apps, name="my_apps"),
    path("<uuid:account_id>/reveal/", my_apps.reveal_password, name="reveal_password"),
    path("<uuid:account_id>/open/", my_apps.open_app, name="open_app"),
]
