"""A plan costs the same few queries whatever the number of people: offboarding 10 or 300
people from a group with 3 apps."""

import pytest

from accounts.models import User
from apps_catalog.models import GroupApp
from groups.models import AssignmentSettings, Group, Membership
from provisioning import changes
from provisioning.models import AppAccount, Connection, Job
from provisioning.status import Status

from .conftest import add_app

QUERIES = 25  # whatever the size (14 to preview, about 20 to confirm and queue)


def group_of(testco, size):
    group = Group.objects.create(organization=testco, name=f"Team {size}")
    people = User.objects.bulk_create(
        [
            User(organization=testco, email=f"p{size}-{i}@testco.example", first_name=f"P{i}")
            for i in range(size)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(organization=testco, group=group, user=p) for p in people]
    )
    for n in range(3):
        app = add_app(testco, name=f"App {size}-{n}")
        app.group_auto_provisioning = True
        app.save()
        Connection.objects.create(organization=testco, app=app, state="connected")
        GroupApp.objects.create(organization=testco, group=group, app=app)
        AppAccount.objects.bulk_create(
            [
                AppAccount(
                    organization=testco,
                    app=app,
                    user=p,
                    email=p.email,
                    remote_id=f"r-{p.pk}",
                    status=Status.CREATED,
                )
                for p in people
            ]
        )
    return group


@pytest.mark.parametrize("size", [10, 300])
def test_offboarding_a_group_is_a_constant_number_of_queries(
    testco, admin, size, django_assert_max_num_queries
):
    settings = AssignmentSettings.for_organization(testco.pk)
    settings.approval_threshold, settings.approval_threshold_percent = 10_000, 100
    settings.save()
    group = group_of(testco, size)
    with django_assert_max_num_queries(QUERIES):
        changes.preview(changes.DeleteGroup(group), testco.pk)
    with django_assert_max_num_queries(QUERIES):
        changes.confirm(changes.DeleteGroup(group), testco.pk, admin)
    assert Job.objects.filter(action=Job.Action.SUSPEND).count() == 3 * size
