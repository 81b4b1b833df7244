"""The other pages cost the same number of queries for 5 people or 300: the dashboard, a
person's page and its apps, a plan's preview, Pending Approvals, an app's pages, My Apps."""

import pytest
from django.urls import reverse

from accounts.models import User
from groups.models import Membership
from provisioning.models import AppAccount, Job, Plan, ToDo

from .test_page_queries import populate

# Whatever the size; measured: 8 or fewer, the dashboard 12 (its health: failed accounts, open
# jobs, the apps concerned, failed emails, plans waiting), the person's apps 14 (why they have
# each app: their assignments, groups and the groups' apps), a plan's preview 22 (made and
# undone).
BOUND = 8
BOUNDS = {"dashboard": 12, "person_apps": 14, "deactivate_plan": 22}


@pytest.fixture(params=[5, 300])
def crowded(request, testco, member):
    apps = populate(testco, request.param)
    for app in apps[:3]:  # the member has an account in each app too
        AppAccount.objects.create(
            organization=testco, app=app, user=member, email=member.email, status="active"
        )
    Membership.objects.create(organization=testco, group=testco.groups.first(), user=member)
    someone = User.objects.filter(organization=testco).exclude(pk=member.pk).first()
    for n in range(3):
        Plan.objects.create(organization=testco, title=f"Plan {n}", trigger="t", steps=[])
    for account in AppAccount.objects.filter(user=someone)[:2]:
        ToDo.objects.create(
            organization=testco, account=account, action=Job.Action.SUSPEND, note="By hand"
        )
    return apps


@pytest.mark.parametrize(
    "name",
    [
        "dashboard",
        "person",
        "person_apps",
        "deactivate_plan",
        "approvals",
        "app_detail",
        "app_settings",
    ],
)
def test_admin_pages_are_a_constant_number_of_queries(
    as_admin, member, crowded, name, django_assert_max_num_queries
):
    app = crowded[0]
    urls = {
        "dashboard": reverse("dashboard"),
        "person": reverse("person_edit", kwargs={"user_id": member.pk}),
        "person_apps": reverse("person_apps", kwargs={"user_id": member.pk}),
        "deactivate_plan": reverse("plan_deactivate", kwargs={"user_id": member.pk}),
        "approvals": reverse("approvals"),
        "app_detail": reverse("app_detail", kwargs={"app_id": app.pk}),
        "app_settings": reverse("app_settings", kwargs={"app_id": app.pk}),
    }
    with django_assert_max_num_queries(BOUNDS.get(name, BOUND)):
        response = as_admin.get(urls[name])
    assert response.status_code == 200
    assert len(response.content) < 100_000


def test_my_apps_is_a_constant_number_of_queries(as_member, crowded, django_assert_max_num_queries):
    with django_assert_max_num_queries(BOUND):
        response = as_member.get(reverse("my_apps"))
    assert response.status_code == 200 and b"App 0" in response.content
