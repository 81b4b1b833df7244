"""Actions that show their plan first (the person's page, groups), and Pending Approvals."""

from django.urls import path

from . import background_views, on_demand_views
from . import plan_views as views

urlpatterns = [
    path(
        "provision-on-demand/",
        on_demand_views.provision_on_demand,
        name="provision_on_demand",
    ),
    path("people/<uuid:user_id>/deactivate/", views.deactivate_person, name="plan_deactivate"),
    path("people/<uuid:user_id>/reactivate/", views.reactivate_person, name="plan_reactivate"),
    path("people/<uuid:user_id>/apps/", views.person_apps, name="person_apps"),
    path("people/<uuid:user_id>/apps/assign/", views.assign_app, name="person_assign_app"),
    path(
        "people/<uuid:user_id>/apps/<uuid:app_id>/unassign/",
        views.unassign,
        name="plan_unassign",
    ),
    path(
        "accounts/<uuid:account_id>/suspend/",
        views.account_action,
        {"action": "suspend"},
        name="plan_suspend_account",
    ),
    path(
        "accounts/<uuid:account_id>/reactivate/",
        views.account_action,
        {"action": "reactivate"},
        name="plan_reactivate_account",
    ),
    path(
        "groups/<uuid:group_id>/members/<uuid:user_id>/leave/",
        views.leave_group,
        name="plan_leave_group",
    ),
    path(
        "groups/<uuid:group_id>/apps/<uuid:app_id>/detach/",
        views.detach_group_app,
        name="plan_detach_app",
    ),
    path("groups/<uuid:group_id>/delete/plan/", views.delete_group, name="plan_delete_group"),
    path("apps/<uuid:app_id>/reconcile/", views.reconcile_app, name="plan_reconcile_app"),
    path("apps/<uuid:app_id>/remove/plan/", views.remove_app, name="plan_remove_app"),
    path("groups/reconcile/", views.reconcile_groups, name="plan_reconcile_groups"),
    path("usernames/convention/", views.apply_convention, name="plan_apply_convention"),
    path(
        "app-accounts/<uuid:account_id>/suspend/",
        views.app_only_action,
        {"action": "suspend"},
        name="plan_suspend_app_only",
    ),
    path(
        "app-accounts/<uuid:account_id>/delete/",
        views.app_only_action,
        {"action": "delete"},
        name="plan_delete_app_only",
    ),
    path("app-accounts/<uuid:account_id>/link/", views.app_only_link, name="app_only_link"),
    path("app-accounts/<uuid:account_id>/ignore/", views.app_only_ignore, name="app_only_ignore"),
    path(
        "background/<uuid:action_id>/",
        background_views.background_action,
        name="background_action",
    ),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<uuid:plan_id>/", views.plan_detail, name="plan_detail"),
    path("todos/<uuid:todo_id>/done/", views.todo_done, name="todo_done"),
]
