"""Groups and their members."""

from django.db import transaction

from .models import Membership


def add_members(group, people, by):
    """Adds the people not yet in the group; returns those it added."""
    present = set(group.memberships.values_list("user_id", flat=True))
    new_people = [person for person in people if person.pk not in present]
    with transaction.atomic():
        Membership.objects.bulk_create(
            [
                Membership(organization_id=group.organization_id, group=group, user=p, added_by=by)
                for p in new_people
            ],
            ignore_conflicts=True,  # a second admin adding the same person at once
        )
    return new_people


def remove_member(group, person):
    return group.memberships.filter(user=person).delete()[0] > 0
