"""Groups and their members."""

from django.db import transaction

from .models import Group, Membership
from .signals import members_added


def add_members(group, people, by):
    """Adds the people not yet in the group; returns those it added."""
    return add_members_saying(group, people, by)[0]


def add_members_saying(group, people, by):
    """Adds the people not yet in the group; returns those it added and what that queued in
    the apps, in words (the listeners' answers: "" when nothing was asked of them)."""
    answers = []
    present = set(
        group.memberships.filter(user__in=[p.pk for p in people]).values_list("user_id", flat=True)
    )
    new_people = [person for person in people if person.pk not in present]
    with transaction.atomic():
        Membership.objects.bulk_create(
            [
                Membership(organization_id=group.organization_id, group=group, user=p, added_by=by)
                for p in new_people
            ],
            ignore_conflicts=True,  # a second admin adding the same person at once
        )
        if new_people:
            answers = members_added.send(sender=Group, group=group, people=new_people, by=by)
    return new_people, "; ".join(answer for _, answer in answers if answer)


def remove_member(group, person):
    return group.memberships.filter(user=person).delete()[0] > 0


def join_chosen_groups(sender, person, group_ids, by=None, **kwargs):
    """A person created with groups chosen joins them (and so gets their apps)."""
    for group in Group.objects.filter(pk__in=group_ids):
        add_members(group, [person], by=by)


def people_count(n):
    """ "1 person", "1,237 people": how the group pages and the import count people."""
    return f"{n:,} {'person' if n == 1 else 'people'}"
