from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Func, IntegerField, OuterRef, Subquery
from django.db.models.expressions import Exists
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.permissions import admin_required
from accounts.services import search_people

from . import hooks, services
from .forms import (
    AddByEmailsForm,
    AddPersonForm,
    AssignmentSettingsForm,
    GroupForm,
    JoinGroupForm,
)
from .models import AssignmentSettings, Group, Membership

GROUPS_PER_PAGE = 50


def count_per_group(through):
    """COUNT(*) of each group's rows in `through`, as its own correlated subquery (two counts
    over one join would multiply members by apps). Tied to the scoped outer group, it reads
    the base manager: no organization filter, so the count is an index-only scan."""
    rows = through._base_manager.filter(group=OuterRef("pk")).order_by()
    counted = rows.annotate(n=Func(template="COUNT(*)", output_field=IntegerField())).values("n")
    return Subquery(counted, output_field=IntegerField())


@admin_required
def group_list(request):
    query = request.GET.get("q", "").strip()[:100]
    groups = Group.objects.all()
    for word in query.split():
        groups = groups.filter(name__icontains=word)
    groups = groups.order_by("name", "pk").annotate(
        member_count=count_per_group(Group.members.through),
        app_count=count_per_group(Group.apps.through),  # apps_catalog's GroupApp
    )
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "groups/list.html", {"page": page, "query": query})


@admin_required
def group_create(request):
    form = GroupForm(
        request.POST if request.method == "POST" else None, organization=request.user.organization
    )
    if request.method == "POST" and form.is_valid():
        group = form.save()
        audit.record(request, audit.GROUP_CREATED, group)
        messages.success(request, f"Group “{group.name}” was created.")
        return redirect("group_detail", group_id=group.pk)
    return render(request, "groups/form.html", {"form": form})


# --- A group's page: members searched and paginated on the server; people added one at a
# time from a search, by a pasted list of emails, or all those matching a search. None of
# them posts a field per person; big additions go to the background (hooks).

MEMBERS_PER_PAGE = 50
CANDIDATES_SHOWN = 20
REPORT_SHOWN = 100  # not-added addresses named on the report; all are back in its box


def member_page(group, query, page_number):
    members = search_people(query, "all").filter(memberships__group=group)
    return Paginator(members.prefetch_related(None), MEMBERS_PER_PAGE).get_page(page_number)


def non_members(group, query):
    """Everyone active matching the query who is not in the group: the people "Add everyone
    matching" adds (the same words as the background's add_members)."""
    return search_people(query).exclude(memberships__group=group).prefetch_related(None)


def group_url(group, **params):
    url = reverse("group_detail", kwargs={"group_id": group.pk})
    params = {k: v for k, v in params.items() if v}
    return f"{url}?{urlencode(params)}" if params else url


def in_background(request, group, count, params):
    """The progress page's URL when `count` people are too many for the request and the
    background took them; None when the request adds them itself."""
    if count >= hooks.background_from:
        url = hooks.start_adding_members(group, params, request.user)
        if url:
            messages.info(request, f"Adding {services.people_count(count)} to {group.name}.")
            return url
    return None


def candidates(request, group):
    find = request.GET.get("find", "").strip()[:100]
    found = list(non_members(group, find)[: CANDIDATES_SHOWN + 1]) if find else []
    return {
        "group": group,
        "find": find,
        "candidates": found[:CANDIDATES_SHOWN],
        "more_candidates": len(found) > CANDIDATES_SHOWN,
    }


@admin_required
def group_detail(request, group_id):
    group = get_object_or_404(Group.objects.select_related("organization"), pk=group_id)
    target = request.htmx.target if request.htmx else None
    if target == "candidates":  # search-as-you-type among the people to add
        return render(request, "groups/_candidates.html", candidates(request, group))
    query = request.GET.get("q", "").strip()[:100]
    page = member_page(group, query, request.GET.get("page"))
    context = {"group": group, "page": page, "query": query}
    if target == "members-results":
        return render(request, "groups/_members.html", context)
    apps = group.apps.select_related("catalog_app")
    attachable = group.organization.apps.filter(archived_at__isnull=True)
    attachable = attachable.exclude(group_apps__group=group).order_by("name")
    context |= candidates(request, group) | {
        "member_count": group.memberships.count() if query else page.paginator.count,
        "emails_form": AddByEmailsForm(),
        "apps": apps,
        "attachable_apps": attachable,
    }
    return render(request, "groups/detail.html", context)


def one_added(person):
    """The audit detail of one person added to a group."""
    return {"count": 1, "person": audit.person_label(person), "person_id": str(person.pk)}


ADDED = audit.GROUP_MEMBERS_ADDED


def many_added(count, progress, how):
    """The audit detail of people added at once: how many and how, not who (one row)."""
    return {"count": count, **how, "background": bool(progress)}


@admin_required
@require_POST
def group_add_person(request, group_id):
    """One person, from the search's results."""
    group = get_object_or_404(Group, pk=group_id)
    form = AddPersonForm(request.POST, group=group)
    if form.is_valid():
        person = form.cleaned_data["person"]
        _, said = services.add_members_saying(group, [person], by=request.user)
        audit.record(request, audit.GROUP_MEMBERS_ADDED, group, detail=one_added(person))
        messages.success(
            request, f"{person.full_name} ({person.email}) joined {group.name}{colon(said)}."
        )
    else:
        messages.error(request, form.errors["person"][0])
    find = request.POST.get("find", "").strip()[:100]
    return redirect(group_url(group, find=find) + "#add-members")


def colon(said):
    """What an add queued in the apps, after the sentence that says who joined."""
    return f": {said}" if said else ""


def people_by_email(group, addresses, chunk=5000):
    """{lowercased email: (id, is_active, in the group already)} of the organization's people
    with these addresses (compared without case, as the unique index compares them)."""
    in_group = Membership.objects.filter(group=group, user=OuterRef("pk"))
    found = {}
    for start in range(0, len(addresses), chunk):
        lowered = [address.lower() for address in addresses[start : start + chunk]]
        rows = (
            get_user_model()
            .objects.annotate(email_lower=Lower("email"), in_group=Exists(in_group))
            .filter(email_lower__in=lowered)
            .order_by()
            .values_list("email_lower", "pk", "is_active", "in_group")
        )
        found |= {email: rest for email, *rest in rows}
    return found


@admin_required
@require_POST
def group_add_emails(request, group_id):
    """A pasted list of email addresses: the people found are added; the rest are reported,
    and put back in the box to correct."""
    group = get_object_or_404(Group, pk=group_id)
    form = AddByEmailsForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["emails"][0])
        return redirect(group_url(group) + "#add-members")
    addresses = form.cleaned_data["emails"]
    found = people_by_email(group, addresses)
    unknown, inactive, inactive_ids, already, to_add = [], [], [], [], []
    for address in addresses:
        person_id, active, in_group = found.get(address.lower(), (None, False, False))
        if person_id is None:
            unknown.append(address)
        elif not active:
            inactive.append(address)
            inactive_ids.append(person_id)
        elif in_group:
            already.append(person_id)
        else:
            to_add.append(person_id)
    progress = in_background(request, group, len(to_add), {"user_ids": list(map(str, to_add))})
    said = ""
    if not progress and to_add:
        people = get_user_model().objects.filter(pk__in=to_add).order_by("pk")
        _, said = services.add_members_saying(group, list(people), by=request.user)
    if to_add:
        pasted = {"how": "pasted emails", "unknown": len(unknown), "inactive": len(inactive)}
        audit.record(
            request,
            audit.GROUP_MEMBERS_ADDED,
            group,
            detail=many_added(len(to_add), progress, pasted),
        )
    if not unknown and not inactive:
        if not progress:
            added = f"Added {services.people_count(len(to_add))} to {group.name}{colon(said)}."
            if already:
                added += f" {len(already):,} {'was' if len(already) == 1 else 'were'} in it."
            messages.success(request, added)
        return redirect(progress or group_url(group))
    report = {
        "group": group,
        "added": len(to_add),
        "progress_url": progress,
        "already": len(already),
        "unknown": unknown[:REPORT_SHOWN],
        "unknown_count": len(unknown),
        "unknown_more": max(len(unknown) - REPORT_SHOWN, 0),
        "inactive": get_user_model().objects.filter(pk__in=inactive_ids[:REPORT_SHOWN]),
        "inactive_count": len(inactive),
        "inactive_more": max(len(inactive) - REPORT_SHOWN, 0),
        "emails_form": AddByEmailsForm(initial={"emails": "\n".join(unknown + inactive)}),
    }
    return render(request, "groups/add_emails_result.html", report)


@admin_required
def group_add_matching(request, group_id):
    """Everyone active matching a search who is not in the group yet: how many first, then
    on Confirm the search itself is posted (not their ids)."""
    group = get_object_or_404(Group, pk=group_id)
    data = request.POST if request.method == "POST" else request.GET
    query = data.get("q", "").strip()[:100]
    matching = non_members(group, query)
    count = matching.count()
    if request.method == "POST":
        progress = in_background(request, group, count, {"query": query})
        matched = {"how": "everyone matching", "search": query}
        if progress:
            audit.record(request, ADDED, group, detail=many_added(count, progress, matched))
            return redirect(progress)
        added, said = [], ""
        if count:
            added, said = services.add_members_saying(group, list(matching), by=request.user)
        if added:
            audit.record(request, ADDED, group, detail=many_added(len(added), None, matched))
        messages.success(
            request, f"Added {services.people_count(len(added))} to {group.name}{colon(said)}."
        )
        return redirect(group_url(group))
    context = {
        "group": group,
        "query": query,
        "count": count,
        "count_label": services.people_count(count),
        "sample": matching[:10] if count else [],
    }
    return render(request, "groups/add_matching.html", context)


@admin_required
def group_rename(request, group_id):
    group = get_object_or_404(Group, pk=group_id)
    form = GroupForm(
        request.POST if request.method == "POST" else None,
        instance=group,
        organization=group.organization,
    )
    if request.method == "POST" and form.is_valid():
        was = form["name"].initial
        form.save()
        if group.name != was:
            audit.record(
                request, audit.GROUP_RENAMED, group, detail={"from": was, "to": group.name}
            )
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


CONVENTION = {"username_convention", "username_template"}

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
        audit.record_changes(
            request,
            instance,
            audit.changes_of(form),
            {
                audit.USERNAME_CONVENTION_CHANGED: CONVENTION,
                audit.ASSIGNMENT_SETTINGS_CHANGED: None,
            },
            label="Assignment Settings",
        )
        messages.success(request, "Assignment Settings saved.")
        if GRANTS[now] < GRANTS[was] and hooks.after_mode_change():
            return redirect(hooks.after_mode_change())  # fewer seats: the plan says which
        if GRANTS[now] > GRANTS[was] and hooks.after_mode_grants_more():
            return redirect(hooks.after_mode_grants_more())  # more seats: offered, with counts
        renamed = CONVENTION & set(form.changed_data)
        if renamed and hooks.after_convention_change():
            return redirect(hooks.after_convention_change())  # existing accounts: if asked
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
        _, said = services.add_members_saying(group, [person], by=request.user)
        audit.record(request, audit.GROUP_MEMBERS_ADDED, group, detail=one_added(person))
        messages.success(request, f"{person.full_name} joined {group.name}{colon(said)}.")
    else:
        messages.error(request, "Choose a group to add them to.")
    return redirect("person_edit", user_id=person.pk)
