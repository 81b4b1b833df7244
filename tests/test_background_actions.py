"""Actions on many people run in the worker with progress: the row is the truth, a dead
worker's action starts again, and running one twice does no harm."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from groups.models import Group
from provisioning import background
from provisioning.models import BackgroundAction

from .conftest import make_user


def people(testco, count):
    return [make_user(testco, f"p{i}@testco.example", first=f"P{i}") for i in range(count)]


def test_a_big_group_add_runs_with_progress(as_admin, testco, admin, committed):
    sales = Group.objects.create(organization=testco, name="Sales")
    crowd = people(testco, 7)
    with committed():  # eager Celery: the worker's part runs when this commits
        action = background.start(
            testco.pk,
            "add_members",
            "Adding 7 people to Sales",
            {"group_id": str(sales.pk), "user_ids": [str(p.pk) for p in crowd]},
            by=admin,
            back_url="/groups/",
        )
    action.refresh_from_db()
    assert (action.state, action.done, action.total) == ("done", 7, 7)
    assert action.message == "Added 7 people to Sales."
    assert sales.memberships.count() == 7
    page = as_admin.get(reverse("background_action", kwargs={"action_id": action.pk}))
    assert "Added 7 people to Sales." in page.content.decode()


def test_an_action_whose_worker_died_starts_again_and_skips_what_is_done(testco, admin, committed):
    sales = Group.objects.create(organization=testco, name="Sales")
    crowd = people(testco, 4)
    sales.memberships.create(organization=testco, user=crowd[0])  # done before the crash
    action = BackgroundAction.objects.create(
        organization=testco,
        kind="add_members",
        title="Adding",
        params={"group_id": str(sales.pk), "query": ""},
        state=BackgroundAction.State.RUNNING,
        lease_until=timezone.now() - timedelta(seconds=1),
        requested_by=admin,
        created_at=timezone.now() - timedelta(minutes=5),
    )
    with committed():
        background.sweep()
    action.refresh_from_db()
    assert action.state == "done" and action.attempts == 1
    assert sales.memberships.count() == 5  # the four, and the admin (everyone active)
    assert background.run(action.pk) == "not claimed"
