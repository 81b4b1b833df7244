"""Step 6 of Method 1: match the app's existing accounts to the organization's people."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from .models import AppAccount
from .status import Status


@dataclass
class Mapping:
    matched: list = field(default_factory=list)  # (person, remote account): link, don't create
    app_only: list = field(default_factory=list)  # AppAccounts nobody in the console owns
    without_account: list = field(default_factory=list)  # people to create accounts for
    provisioned: list = field(default_factory=list)  # AppAccounts the console tracks already


def map_accounts(app, connector):
    """Reads every account of the app and sorts people into the three lists, by email
    (case-insensitively; a username that is an email counts too). Accounts that exist only
    in the app are recorded as discovered, so the Users tab shows them."""
    remotes = list(connector.list_accounts())
    tracked = list(AppAccount.objects.filter(app=app).select_related("user"))
    owned = [a for a in tracked if a.user_id]
    taken = {a.remote_id for a in owned if a.remote_id}
    by_address = {}
    for remote in remotes:
        for address in (remote.email, remote.username):
            if address and "@" in address:
                by_address.setdefault(address.lower(), remote)

    mapping = Mapping(provisioned=owned)
    owners = {a.user_id for a in owned}
    people = get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name")
    for person in people:
        if person.pk in owners:
            continue
        remote = by_address.get(person.email.lower())
        if remote is not None and remote.remote_id not in taken:
            mapping.matched.append((person, remote))
            taken.add(remote.remote_id)
        else:
            mapping.without_account.append(person)

    discovered = {a.remote_id: a for a in tracked if not a.user_id}
    new = [
        AppAccount(
            organization_id=app.organization_id,
            app=app,
            remote_id=r.remote_id,
            username=r.username,
            email=r.email,
            first_name=r.first_name,
            last_name=r.last_name,
            status=Status.ACTIVE,
            origin=AppAccount.Origin.DISCOVERED,
        )
        for r in remotes
        if r.remote_id not in taken and r.remote_id not in discovered
    ]
    AppAccount.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    mapping.app_only = sorted(
        [a for a in discovered.values() if a.remote_id not in taken] + new,
        key=lambda a: (a.email or a.username).lower(),
    )
    return mapping
