"""Step 6 of Method 1 at any size: the organization's people against the app's accounts as
the last reading recorded them, in three lists the database computes and pages.

- matched: an active person with no account the console tracks, whose email is a
  discovered account's email (or its username), case-insensitively: Link Existing Account;
- without an account: the other active people with no tracked account: Create a New User
  Account;
- only in the app: discovered accounts no such person matches.
A search narrows all three (names and emails). Each list is a queryset: counted, paged, or
taken whole by "select all matching"."""

import re

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
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


def _matches_an_account(app):
    """People whose address (any case) is a discovered account's email or username: one
    uncorrelated IN over the union of both, which PostgreSQL hashes once and, for a page of
    the matched, joins to the people's lower(email) index (an OR of two INs read all 50,000
    people in name order; a correlated OR compared every person with every account)."""
    accounts = discovered(app)
    emails = accounts.annotate(_a=Lower("email")).exclude(email="").values("_a")
    usernames = accounts.annotate(_a=Lower("username")).exclude(username="").values("_a")
    return Q(_address__in=emails.union(usernames))


def untracked_people(app):
    """Active people the app has no live account of (a deprovisioned seat counts as none)."""
    tracked = AppAccount.objects.filter(app=app, user=OuterRef("pk")).exclude(
        status=Status.DEPROVISIONED
    )
    people = get_user_model().objects.filter(is_active=True).annotate(_address=Lower("email"))
    return people.exclude(Exists(tracked))


def counts(app, query=""):
    """(matched, without an account): both lists counted in one pass over the people."""
    people = search(untracked_people(app), query).order_by()
    totals = people.aggregate(
        everyone=Count("pk"), matched=Count("pk", filter=_matches_an_account(app))
    )
    return totals["matched"], totals["everyone"] - totals["matched"]


def matched_people(app, query=""):
    return search(untracked_people(app).filter(_matches_an_account(app)), query)


def people_without_account(app, query=""):
    return search(untracked_people(app).exclude(_matches_an_account(app)), query)


def app_only(app, query=""):
    """Discovered accounts no untracked person matches, not set aside. Each account is
    looked up by its email and username on the people's lower(email) index: a page's
    discovered accounts are few beside the organization's people, whose untracked set
    built twice as a hash cost 200 ms at 50,000 people."""
    untracked = untracked_people(app)
    accounts = discovered(app).filter(ignored_at__isnull=True)
    accounts = accounts.annotate(_email=Lower("email"), _username=Lower("username"))
    accounts = accounts.exclude(Exists(untracked.filter(_address=OuterRef("_email"))))
    accounts = accounts.exclude(Exists(untracked.filter(_address=OuterRef("_username"))))
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
    """The app's usernames that could collide with these bases (all of them for many): the
    base itself, or the base and a number (john.smith2). For a page's bases, one prefix
    range each on the (app, lower(username)) index (migration 0015), then the exact rule
    here: a regex over every account of a 50,000-account app took half a second."""
    usernames = AppAccount.objects.filter(app=app).exclude(username="")
    lowered = sorted({base.lower() for base in bases})
    if len(lowered) <= 200:
        if not lowered:
            return set()
        prefixes = Q()
        for base in lowered:
            prefixes |= Q(_name__startswith=base)
        usernames = usernames.annotate(_name=Lower("username")).filter(prefixes)
        exact = re.compile("^(" + "|".join(re.escape(b) for b in lowered) + ")[0-9]*$")
        names = {name.lower() for name in usernames.values_list("username", flat=True)}
        return {name for name in names if exact.match(name)}
    return {name.lower() for name in usernames.values_list("username", flat=True)}


def suggested_people(accounts):
    """{account id: the person whose email is the account's email or username}, one query:
    a deactivated person's old account is the usual case (active people are matched)."""
    addresses = {}
    for account in accounts:
        for address in (account.email, account.username):
            if address and "@" in address:
                addresses.setdefault(address.lower(), []).append(account.pk)
    people = get_user_model().objects.annotate(_address=Lower("email"))
    found = {}
    for person in people.filter(_address__in=list(addresses)):
        for account_id in addresses.get(person._address, []):
            found.setdefault(account_id, person)
    return found
