from django.urls import path

from . import assign_views, connection_views, users_views, views

urlpatterns = [
    path("<uuid:app_id>/assign/", assign_views.assign_users, name="assign_users"),
    path("<uuid:app_id>/assign/progress/", assign_views.reading_progress, name="reading_progress"),
    path("<uuid:app_id>/users/", users_views.app_users, name="app_users"),
    path(
        "<uuid:app_id>/test-connection/",
        connection_views.test_connection,
        name="test_connection",
    ),
    path(
        "<uuid:app_id>/provision-members/",
        views.offer_group_members,
        name="provision_group_members",
    ),
    path("provision-group-members/", views.offer_mode_members, name="provision_mode_members"),
    path("<uuid:app_id>/retry-failed/", views.retry_all_failed, name="retry_all_failed"),
    path(
        "<uuid:app_id>/users/<uuid:account_id>/retry/",
        views.retry_account,
        name="retry_account",
    ),
]
