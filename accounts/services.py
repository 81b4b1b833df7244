"""People: the business rules behind the People pages."""

from django.db.models import Q

from .models import User


class PeopleError(Exception):
    """A rule the admin's action broke; its text is shown as it is."""


def create_person(organization, form):
    person = form.save(commit=False)
    person.organization = organization
    person.set_unusable_password()  # they choose one from their activation or reset email
    person.save()
    return person


def set_active(person, active, by):
    if person.pk == by.pk and not active:
        raise PeopleError("You cannot deactivate your own account.")
    person.is_active = active
    person.save(update_fields=["is_active"])
    return person


def search_people(query, status="active"):
    """The organization's people (the scope picks it) matching every word of the query."""
    people = User.objects.all()
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "inactive":
        people = people.filter(is_active=False)
    for word in query.split():
        people = people.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return people.prefetch_related("groups").order_by("first_name", "last_name", "email")
