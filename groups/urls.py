from django.urls import path

from . import views

urlpatterns = [
    path("assignment-settings/", views.assignment_settings, name="assignment_settings"),
    path("people/<uuid:user_id>/join/", views.person_join_group, name="person_join_group"),
    path("", views.group_list, name="group_list"),
    path("new/", views.group_create, name="group_create"),
    path("<uuid:group_id>/", views.group_detail, name="group_detail"),
    path("<uuid:group_id>/rename/", views.group_rename, name="group_rename"),
    path("<uuid:group_id>/delete/", views.group_delete, name="group_delete"),
    path("<uuid:group_id>/members/add/", views.group_add_person, name="group_add_person"),
    path("<uuid:group_id>/members/add-emails/", views.group_add_emails, name="group_add_emails"),
    path(
        "<uuid:group_id>/members/add-matching/",
        views.group_add_matching,
        name="group_add_matching",
    ),
    path(
        "<uuid:group_id>/members/<uuid:user_id>/remove/",
        views.group_remove_member,
        name="group_remove_member",
    ),
]
