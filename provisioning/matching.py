"""Step 6 of Method 1 at any size: the organization's people against the app's accounts as
the last reading recorded them, in three lists the database computes and pages.

- matched: an active person with no account the console tracks, whose email is a
  discovered account's email (or its username), case-insensitively: Link Existing Account;
- without an account: the other active people with no tracked account: Create a New User
  Account;
- only in the app: discovered accounts no such person matches.
A search narrows all three (names and emails). Each list is a queryset: counted, paged, or
taken whole by "select all matching"."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower

from accounts.usernames import base_username, unique_username
from groups.models import AssignmentSettings

from . import group_provisioning
from .models import AppAccount
from .status import Status

PAGE_SIZE = 50
KINDS = ("matched", "new", "app_only")


def discovered(app):
    """The accounts the reading found that nobody in the console owns."""
    return AppAccount.objects.filter(app=app, user__isnull=True).exclude(
        status=Status.DEPROVISIONED
    )


def _same_address(accounts, outer):
    """Accounts whose email, or username, is the outer row's address (any case)."""
    return accounts.annotate(_email=Lower("email"), _username=Lower("username")).filter(
        Q(_email=outer) | Q(_username=outer)
    )


def untracked_people(app):
    """Active people the app has no live account of (a deprovisioned seat counts as none)."""
    tracked = AppAccount.objects.filter(app=app, user=OuterRef("pk")).exclude(
        status=Status.DEPROVISIONED
    )
    people = get_user_model().objects.filter(is_active=True).annotate(_address=Lower("email"))
    return people.exclude(Exists(tracked))


def matched_people(app, query=""):
    found = Exists(_same_address(discovered(app), OuterRef("_address")))
    return search(untracked_people(app).filter(found), query)


def people_without_account(app, query=""):
    found = Exists(_same_address(discovered(app), OuterRef("_address")))
    return search(untracked_people(app).exclude(found), query)


def app_only(app, query=""):
    """Discovered accounts no untracked person matches, not set aside."""
    people = untracked_people(app).filter(
        Q(_address=OuterRef("_email")) | Q(_address=OuterRef("_username"))
    )
    accounts = discovered(app).filter(ignored_at__isnull=True)
    accounts = accounts.annotate(_email=Lower("email"), _username=Lower("username"))
    accounts = accounts.exclude(Exists(people))
    for word in query.split():
        accounts = accounts.filter(Q(email__icontains=word) | Q(username__icontains=word))
    return accounts.order_by("email", "username", "pk")


def search(people, query):
    for word in query.split():
        people = people.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return people.order_by("first_name", "last_name", "email", "pk")


def accounts_for(app, people):
    """{person id: the discovered account their email matches}, one query for a page."""
    addresses = {person.email.lower(): person.pk for person in people}
    accounts = discovered(app).annotate(_email=Lower("email"), _username=Lower("username"))
    accounts = accounts.filter(Q(_email__in=addresses) | Q(_username__in=addresses))
    found = {}
    for account in accounts.order_by("pk"):
        for address in (account._email, account._username):
            if address in addresses:
                found.setdefault(addresses[address], account)
    return found


def usernames_for(app, people, also_taken=()):
    """{person id: the username the convention gives them in this app}, unique among the
    app's usernames, also_taken and one another (john.smith, john.smith2, ...)."""
    settings = AssignmentSettings.for_organization(app.organization_id)
    convention, template = group_provisioning.convention(app, settings)
    bases = {person.pk: base_username(person, convention, template) for person in people}
    taken = taken_usernames(app, set(bases.values())) | set(also_taken)
    chosen = {}
    for person in people:
        chosen[person.pk] = unique_username(bases[person.pk], taken)
        taken.add(chosen[person.pk].lower())
    return chosen


def taken_usernames(app, bases):
    """The app's usernames that could collide with these bases (all of them for many)."""
    usernames = AppAccount.objects.filter(app=app).exclude(username="")
    if len(bases) <= 200:
        near = Q()
        for base in bases:
            near |= Q(username__istartswith=base)
        usernames = usernames.filter(near) if bases else usernames.none()
    return {name.lower() for name in usernames.values_list("username", flat=True)}
