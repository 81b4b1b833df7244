from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required

from . import hooks, services
from .forms import AddMembersForm, AssignmentSettingsForm, GroupForm, JoinGroupForm
from .models import AssignmentSettings, Group


@admin_required
def group_list(request):
    groups = Group.objects.annotate(
        member_count=Count("memberships", distinct=True), app_count=Count("apps", distinct=True)
    )
    return render(request, "groups/list.html", {"groups": groups})


@admin_required
def group_create(request):
    form = GroupForm(
        request.POST if request.method == "POST" else None, organization=request.user.organization
    )
    if request.method == "POST" and form.is_valid():
        group = form.save()
        messages.success(request, f"Group “{group.name}” was created.")
        return redirect("group_detail", group_id=group.pk)
    return render(request, "groups/form.html", {"form": form})


@admin_required
def group_detail(request, group_id):
    group = get_object_or_404(Group, pk=group_id)
    form = AddMembersForm(request.POST if request.method == "POST" else None, group=group)
    if request.method == "POST" and form.is_valid():
        added = services.add_members(group, form.cleaned_data["people"], by=request.user)
        messages.success(request, f"Added {len(added)} to {group.name}.")
        return redirect("group_detail", group_id=group.pk)
    members = group.members.order_by("first_name", "last_name")
    apps = group.apps.select_related("catalog_app")
    attachable = group.organization.apps.filter(archived_at__isnull=True)
    attachable = attachable.exclude(group_apps__group=group).order_by("name")
    context = {
        "group": group,
        "form": form,
        "members": members,
        "apps": apps,
        "attachable_apps": attachable,
    }
    return render(request, "groups/detail.html", context)


@admin_required
def group_rename(request, group_id):
    group = get_object_or_404(Group, pk=group_id)
    form = GroupForm(
        request.POST if request.method == "POST" else None,
        instance=group,
        organization=group.organization,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Group renamed.")
        return redirect("group_detail", group_id=group.pk)
    return render(request, "groups/form.html", {"form": form, "group": group})


# Deleting a group and removing a member change people's app accounts: they show their plan
# first, on provisioning's pages (the one place that reconciles accounts).


@admin_required
def group_delete(request, group_id):
    group = get_object_or_404(Group, pk=group_id)
    return redirect("plan_delete_group", group_id=group.pk)


@admin_required
def group_remove_member(request, group_id, user_id):
    group = get_object_or_404(Group, pk=group_id)
    person = get_object_or_404(get_user_model(), pk=user_id)
    return redirect("plan_leave_group", group_id=group.pk, user_id=person.pk)


# How much each mode grants: turning it down may take accounts away.
GRANTS = {
    AssignmentSettings.Mode.ALL: 2,
    AssignmentSettings.Mode.PER_APP: 1,
    AssignmentSettings.Mode.OFF: 0,
}


@admin_required
def assignment_settings(request):
    """Settings > Assignment Settings (Method 2's first steps)."""
    instance = AssignmentSettings.for_organization(request.user.organization_id)
    form = AssignmentSettingsForm(
        request.POST if request.method == "POST" else None, instance=instance
    )
    was = instance.group_auto_provisioning
    if request.method == "POST" and form.is_valid():
        now = form.save().group_auto_provisioning
        messages.success(request, "Assignment Settings saved.")
        if GRANTS[now] < GRANTS[was] and hooks.after_mode_change():
            return redirect(hooks.after_mode_change())  # fewer seats: the plan says which
        return redirect("assignment_settings")
    return render(request, "groups/assignment_settings.html", {"form": form})


@admin_required
@require_POST
def person_join_group(request, user_id):
    """From a person's page: add them to a group (which may provision their seats)."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    form = JoinGroupForm(request.POST, person=person)
    if form.is_valid():
        group = form.cleaned_data["group"]
        services.add_members(group, [person], by=request.user)
        messages.success(request, f"{person.full_name} joined {group.name}.")
    else:
        messages.error(request, "Choose a group to add them to.")
    return redirect("person_edit", user_id=person.pk)
