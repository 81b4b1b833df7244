from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required

from . import services
from .forms import AddMembersForm, GroupForm
from .models import Group


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
    context = {"group": group, "form": form, "members": members, "apps": apps}
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


@admin_required
def group_delete(request, group_id):
    group = get_object_or_404(Group, pk=group_id)
    if request.method == "POST":
        group.delete()
        messages.success(request, f"Group “{group.name}” was deleted.")
        return redirect("group_list")
    return render(request, "groups/delete.html", {"group": group})


@admin_required
@require_POST
def group_remove_member(request, group_id, user_id):
    group = get_object_or_404(Group, pk=group_id)
    person = get_object_or_404(get_user_model(), pk=user_id)
    if services.remove_member(group, person):
        messages.success(request, f"Removed {person.full_name} from {group.name}.")
    return redirect("group_detail", group_id=group.pk)
