"""What every connector declares and does. One module per vendor subclasses Connector."""

import contextlib
from dataclasses import dataclass, field

from .errors import PermanentError


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    kind: str = "text"  # text | secret | url | choice
    help_text: str = ""
    required: bool = True
    choices: tuple = ()
    group: str = ""  # a key of the connector's credential_groups: fields shown together
    multiline: bool = False  # a secret of many lines (a JSON key): a text area, never echoed


@dataclass(frozen=True)
class Capabilities:
    create: bool = True
    set_password: bool = False
    list_accounts: bool = True
    update: bool = False  # update_account: a person's new name or email reaches the app
    deactivate: bool = False  # deactivate_account: suspended, the seat can come back
    reactivate: bool = False  # reactivate_account: a suspended account works again
    delete: bool = False  # delete_account: gone for good (or, GitHub, removed from the org)
    invites: bool = False  # the vendor emails its own invitation: the account starts "invited"
    reports_sign_in: bool = False  # signed_in() tells which accounts were used (or accepted)


@dataclass
class NewAccount:
    email: str
    username: str
    first_name: str
    last_name: str
    password: str | None = None


@dataclass
class AccountUpdate:
    """What the console holds for a person now; `changed` names the fields to push
    ("email", "username", "first_name", "last_name")."""

    email: str
    username: str
    first_name: str
    last_name: str
    changed: frozenset = frozenset()


@dataclass
class RemoteAccount:
    remote_id: str
    username: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    active: bool = True
    emails: tuple = ()  # every address the app lists for the account, the primary among them
    raw: dict = field(default_factory=dict, repr=False)
    problem: str = ""  # what could not be read of it (the rest was)

    def addresses(self):
        return {a.casefold() for a in (self.email, *self.emails) if a}


def identity_match(remote, *, email="", username=""):
    """How an account found in an app is known to be the one asked for: "email" (one of its
    addresses, or its userName, is the email), "username" (its username, compared without
    case as RFC 7643 compares userName, on an account with no other email), or "" when it is
    somebody else's. A username held by an account with another email is somebody else's."""
    addresses = remote.addresses()
    if email and (email.casefold() in addresses or remote.username.casefold() == email.casefold()):
        return "email"
    if username and remote.username.casefold() == username.casefold():
        if not email or not addresses:
            return "username"
    return ""


def identify(candidates, *, email="", username=""):
    """The one account among candidates that is the one asked for, or None. Two that match is
    a failure with a reason, never a guess."""
    matches = {}
    for remote in candidates:
        if remote.remote_id and identity_match(remote, email=email, username=username):
            matches[remote.remote_id] = remote
    if len(matches) > 1:
        asked = " or ".join(filter(None, [email, username]))
        ids = ", ".join(sorted(matches)[:5])
        raise PermanentError(
            f"{len(matches)} accounts in the app match {asked} (ids {ids}): the console will "
            "not guess which is this person's. Remove the duplicate in the app, then retry."
        )
    return next(iter(matches.values()), None)


class Connector:
    key = ""
    name = ""
    credential_fields: tuple[CredentialField, ...] = ()
    # {group key: (legend, explanation)}: fields of one sign-in method, shown as a fieldset
    credential_groups: dict[str, tuple[str, str]] = {}
    capabilities = Capabilities()
    default_rate_limit_per_minute = 600
    server_info = None  # what test_connection() found, as stored on the app's connection

    def __init__(self, credentials: dict, http):
        self.credentials = credentials
        self.http = http

    @classmethod
    def secret_values(cls, credentials):
        """The credential values that must never appear in a log, event or message."""
        return [
            credentials[f.name]
            for f in cls.credential_fields
            if f.kind == "secret" and credentials.get(f.name)
        ]

    @classmethod
    def build(cls, credentials, server_info=None, **http_options):
        from .http import VendorHTTP

        connector = cls(
            credentials, VendorHTTP(secrets=cls.secret_values(credentials), **http_options)
        )
        connector.server_info = server_info
        return connector

    @classmethod
    def credential_problems(cls, credentials):
        """{field name: message} for what is missing before a connection test makes sense."""
        return {
            f.name: "This field is required."
            for f in cls.credential_fields
            if f.required and not credentials.get(f.name)
        }

    def test_connection(self) -> dict:
        """Checks the credentials; returns what the vendor says it supports."""
        raise NotImplementedError

    def list_accounts(self):
        """Yields every RemoteAccount, page by page."""
        raise NotImplementedError

    def find_account(self, *, email="", username="") -> RemoteAccount | None:
        """The account whose email or username is the one asked for (see identify()), never
        merely the first one a vendor's search returned."""
        raise NotImplementedError

    def batch(self):
        """Wraps the vendor calls of one claimed chunk: a connector may keep what it read
        there for the chunk's other jobs (no job of the chunk is running anywhere else)."""
        return contextlib.nullcontext()

    def create_account(self, new_account: NewAccount) -> RemoteAccount:
        raise NotImplementedError

    # Lifecycle. Each call takes the account's remote_id. An account that is not there any
    # more raises NotFound (the HTTP helper's 404): the engine counts that as done for
    # deactivate and delete, and as a failure for update and reactivate. Only connectors
    # whose capabilities say so are asked.

    def update_account(self, remote_id, update: AccountUpdate) -> RemoteAccount | None:
        """Pushes the changed fields; returns the account as the app now has it, if it said."""
        raise NotImplementedError

    def deactivate_account(self, remote_id) -> None:
        """Suspends the account: it cannot sign in, and reactivate_account brings it back."""
        raise NotImplementedError

    def reactivate_account(self, remote_id) -> None:
        raise NotImplementedError

    def delete_account(self, remote_id) -> None:
        raise NotImplementedError

    def signed_in(self, remote_ids) -> set:
        """Of these accounts, the ones the vendor says were signed in to (or whose invitation
        was accepted). Only for connectors with capabilities.reports_sign_in."""
        raise NotImplementedError
