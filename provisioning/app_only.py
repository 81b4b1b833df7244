"""Accounts found only in the app (nobody's in the console): an admin links one to a person,
sets it aside, or (through a plan, changes.AccountAction) suspends or deletes it."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .changes import assign
from .models import AccountEvent, AppAccount


class LinkRefused(Exception):
    """What keeps the account from being linked, for the admin to read."""


@transaction.atomic
def link_to_person(account, email, by):
    """The admin says whose account it is: that is the identification (no vendor call). The
    person keeps it as a direct assignment."""
    person = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if person is None:
        raise LinkRefused(f"Nobody in your console has the email “{email.strip()}”.")
    if AppAccount.objects.filter(app_id=account.app_id, user=person).exists():
        raise LinkRefused(f"{person.full_name} already has an account in {account.app.name}.")
    account.user, account.origin, account.ignored_at = person, AppAccount.Origin.LINKED, None
    account.save(update_fields=["user", "origin", "ignored_at", "updated_at"])
    AccountEvent.objects.create(
        organization_id=account.organization_id,
        account=account,
        from_status=account.status,
        to_status=account.status,
        actor=by,
        action=AccountEvent.Action.LINK,
        outcome=AccountEvent.Outcome.SUCCEEDED,
        message=f"Linked by hand to {person.full_name} ({person.email}).",
    )
    assign(account.app, [person], by)
    return person


def set_aside(account, by):
    """Ignored: no longer listed as needing a decision (it stays in the app)."""
    account.ignored_at = timezone.now()
    account.save(update_fields=["ignored_at", "updated_at"])
