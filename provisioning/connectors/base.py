"""What every connector declares and does. One module per vendor subclasses Connector."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    kind: str = "text"  # text | secret | url | choice
    help_text: str = ""
    required: bool = True
    choices: tuple = ()


@dataclass(frozen=True)
class Capabilities:
    create: bool = True
    set_password: bool = False
    list_accounts: bool = True
    deactivate: bool = False
    update: bool = False
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
class RemoteAccount:
    remote_id: str
    username: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    active: bool = True
    raw: dict = field(default_factory=dict, repr=False)


class Connector:
    key = ""
    name = ""
    credential_fields: tuple[CredentialField, ...] = ()
    capabilities = Capabilities()
    default_rate_limit_per_minute = 600

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
    def build(cls, credentials, **http_options):
        from .http import VendorHTTP

        return cls(credentials, VendorHTTP(secrets=cls.secret_values(credentials), **http_options))

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
        raise NotImplementedError

    def create_account(self, new_account: NewAccount) -> RemoteAccount:
        raise NotImplementedError

    def signed_in(self, remote_ids) -> set:
        """Of these accounts, the ones the vendor says were signed in to (or whose invitation
        was accepted). Only for connectors with capabilities.reports_sign_in."""
        raise NotImplementedError
