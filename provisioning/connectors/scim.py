"""Any SCIM 2.0 app (RFC 7643/7644), through scim2-client and scim2-models: no hand-written
SCIM JSON. scim2-client ships no requests engine, so RequestsSCIMClient below is ours; it
sends through VendorHTTP, which maps status codes to our error vocabulary.

Servers differ from the RFCs in the ways scim_read.py reads around, and in one that matters
most: a filter may be ignored (every user comes back) or answered with an empty list. So a
lookup never trusts a filter's answer: every account it returns is checked against what was
asked (identify()), and where the server cannot filter, or its filter proved wrong, the
users are read page by page and matched here. A vendor whose SCIM API has quirks of its own
is a subclass (a dialect, see slack.py and CONTRIBUTING.md)."""

import contextlib
import json
from dataclasses import replace
from types import SimpleNamespace
from urllib.parse import urljoin

from pydantic import ValidationError
from scim2_client import SCIMClientException
from scim2_client.client import BaseSyncSCIMClient
from scim2_models import (
    Email,
    Group,
    Name,
    ResourceType,
    Schema,
    ScimProvider,
    SearchRequest,
    ServiceProviderConfig,
    User,
)

from .base import Capabilities, Connector, CredentialField, NewAccount, identify
from .errors import (
    AuthenticationError,
    ConnectorError,
    NotFound,
    PermanentError,
    TransientError,
)
from .scim_lifecycle import ScimLifecycle
from .scim_read import capabilities, describe, read_list, read_user

PAGE_SIZE = 100
SAMPLE_SIZE = 20  # users read to prove a server's filters
SCIM_JSON = "application/scim+json"
USER_NAME, EMAIL = "userName", "emails.value"


class RequestsSCIMClient(BaseSyncSCIMClient):
    def __init__(self, http, base_url, headers, auth=None, **kwargs):
        super().__init__(**kwargs)
        self.http = http
        self.base_url = base_url.rstrip("/") + "/"
        self.headers = headers
        self.auth = auth

    def _stays_under_base_url(self, endpoint):
        return urljoin(self.base_url, endpoint.lstrip("/")).startswith(self.base_url)

    def request(self, method, url, params=None, json=None, headers=None, **kwargs):
        body = None if json is None else _dumps(json)
        return self.http.request(
            method,
            urljoin(self.base_url, url.lstrip("/")),
            params=params,
            data=body,
            headers={**self.headers, **(headers or {})},
            auth=self.auth,
        )


def _dumps(payload):
    return json.dumps(payload).encode()


def _quote(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _holds(account, attribute, value):
    """Does the account really have the value the filter asked for?"""
    if attribute == USER_NAME:
        return account.username.casefold() == value.casefold()
    return value.casefold() in account.addresses()


class ScimConnector(ScimLifecycle, Connector):
    key = "scim"
    name = "SCIM 2.0"
    credential_fields = (
        CredentialField(
            "base_url",
            "SCIM base URL",
            "url",
            "The address of the app's SCIM endpoints, e.g. https://app.example/scim/v2",
        ),
        CredentialField(
            "auth",
            "Authentication",
            "choice",
            choices=(("bearer", "Bearer token"), ("basic", "Username and password")),
        ),
        CredentialField(
            "token",
            "API token",
            "secret",
            "A bearer token of an admin allowed to add users.",
            required=False,
        ),
        CredentialField("username", "Admin username", required=False),
        CredentialField("password", "Admin password", "secret", required=False),
        CredentialField(
            "passwords",
            "New accounts' passwords",
            "choice",
            "Some SCIM apps ignore passwords sent to them and email their users instead.",
            choices=(
                ("set", "Set a temporary password"),
                ("none", "Let people set their own (the app emails them)"),
            ),
            required=False,
        ),
    )
    capabilities = Capabilities(
        create=True,
        set_password=True,
        list_accounts=True,
        update=True,
        deactivate=True,
        reactivate=True,
        delete=True,
    )
    default_rate_limit_per_minute = 600

    def __init__(self, credentials, http):
        super().__init__(credentials, http)
        if credentials.get("passwords") == "none":
            self.capabilities = replace(type(self).capabilities, set_password=False)
        headers = {"Accept": SCIM_JSON, "Content-Type": SCIM_JSON}
        auth = None
        if credentials.get("auth", "bearer") == "basic":
            auth = (credentials.get("username", ""), credentials.get("password", ""))
        else:
            headers["Authorization"] = f"Bearer {credentials.get('token', '')}"
        # Answers are read by scim_read.py, leniently: a content type or a status code that
        # differs from the RFC's (200 for a create) is no reason to refuse them.
        self.client = RequestsSCIMClient(
            http,
            credentials["base_url"],
            headers,
            auth,
            provider=ScimProvider(models=[User, Group]),
            check_response_content_type=False,
            check_response_status_codes=False,
        )
        self._trust = None  # {attribute: may its filter's answers, misses too, be believed}
        self._declared = None
        self._batch = None

    @classmethod
    def credential_problems(cls, credentials):
        problems = super().credential_problems(credentials)
        if credentials.get("auth") == "basic":
            for name in ("username", "password"):
                if not credentials.get(name):
                    problems[name] = "Needed for username and password authentication."
        elif not credentials.get("token"):
            problems["token"] = "Needed for bearer token authentication."
        return problems

    def _call(self, method, *args, **kwargs):
        """scim2-client's own complaints (a payload it cannot read) become PermanentError."""
        try:
            return getattr(self.client, method)(*args, check_response_payload=False, **kwargs)
        except SCIMClientException as error:
            notes = " ".join(getattr(error, "__notes__", []))[:300]
            raise PermanentError(
                f"The app answered in a form that is not valid SCIM: {error} {notes}".strip()
            ) from error

    def _users(self, **search):
        """One raw page of /Users: (resources, totalResults or None)."""
        return read_list(self._call("query", User, query_parameters=SearchRequest(**search)))

    # --- discovery --------------------------------------------------------------------

    def test_connection(self):
        """Only the credentials and /Users decide; what the discovery endpoints say (or fail
        to say) is recorded, and what they support drives the connector."""
        notes = []
        config = self._advisory(notes, "ServiceProviderConfig", ServiceProviderConfig)
        found = capabilities(config)
        types, _ = read_list(self._advisory(notes, "ResourceTypes", ResourceType))
        names = sorted({str(t.get("name") or t.get("id")) for t in types} - {"None"})
        if types and "User" not in names:
            notes.append("ResourceTypes lists no User type; the console uses /Users anyway.")
        schemas, _ = read_list(self._advisory(notes, "Schemas", Schema))
        sample, total = self._users(start_index=1, count=SAMPLE_SIZE)
        accounts = [read_user(resource) for resource in sample]
        return {
            **found,
            "resource_types": names,
            "schemas": sorted(str(s.get("id")) for s in schemas if s.get("id")),
            "accounts": total,
            "filters": self._prove_filters(found["filter"], accounts),
            "notes": notes,
        }

    def _advisory(self, notes, what, model):
        """A discovery answer, or None with a note when the server has none or a broken one.
        Rejected credentials and an unreachable server still fail the test."""
        try:
            return self._call("query", model)
        except AuthenticationError:
            raise
        except TransientError as error:
            if error.status_code is None:
                raise
            notes.append(f"{what}: {error.message}")
        except ConnectorError as error:
            notes.append(f"{what}: {error.message}")
        return None

    def _prove_filters(self, declared, sample):
        """{attribute: True when filtering on it found a known user, False when it did not,
        None when no user was there to try it with}."""
        proven = {}
        for attribute in (USER_NAME, EMAIL):
            known = next((a for a in sample if a.remote_id and _value(a, attribute)), None)
            if not declared:
                proven[attribute] = False
            elif known is None:
                proven[attribute] = None
            else:
                found = self._filter(attribute, _value(known, attribute))
                proven[attribute] = found is not None and known.remote_id in {
                    a.remote_id for a in found
                }
        return proven

    def declared(self):
        """What the server declared it supports: as Confirm stored it, or asked now (a
        connector built without a stored connection)."""
        if self._declared is None:
            self._declared = self.server_info or {}
            if "filter" not in self._declared:
                config = self._advisory([], "ServiceProviderConfig", ServiceProviderConfig)
                self._declared = capabilities(config)
        return self._declared

    def _trusted(self, attribute):
        """May a filter on this attribute be used, and its empty answer believed?"""
        if self._trust is None:
            declared = self.declared()
            filters = dict(declared.get("filters") or {})
            self._trust = filters if declared["filter"] else {USER_NAME: False, EMAIL: False}
        if self._trust.get(attribute) is None:
            sample = [read_user(r) for r in self._users(start_index=1, count=SAMPLE_SIZE)[0]]
            if not any(a.remote_id for a in sample):
                return True  # no user at all: nothing to miss (asked again next time)
            self._trust[attribute] = self._prove_filters(True, sample)[attribute] is True
        return self._trust[attribute]

    # --- reading ----------------------------------------------------------------------

    def list_accounts(self):
        """Every account, page by page. A resource that cannot be read at all comes with
        remote_id "" and its problem; paging stops at the end the server gives, at an empty
        page, or when a page brings only users already seen (startIndex ignored)."""
        start, seen = 1, set()
        while True:
            resources, total = self._users(start_index=start, count=PAGE_SIZE)
            accounts = [read_user(resource) for resource in resources]
            new = [a for a in accounts if not a.remote_id or a.remote_id not in seen]
            if not new:
                return
            for account in new:
                seen.add(account.remote_id)
                yield account
            start += len(resources)
            if total is not None and start > total:
                return

    def _filter(self, attribute, value):
        """The accounts a filter found, or None when its answer cannot be used: refused, or
        holding an account that does not have the value (the filter was ignored)."""
        try:
            resources, _ = self._users(filter=f"{attribute} eq {_quote(value)}")
        except (PermanentError, NotFound):
            return None
        except TransientError as error:
            if error.status_code == 501:  # not implemented
                return None
            raise
        found = [account for account in map(read_user, resources) if account.remote_id]
        if not all(_holds(account, attribute, value) for account in found):
            return None
        return found

    def _everyone(self):
        """All accounts, read again, or kept for the rest of a chunk (see batch())."""
        if self._batch is None:
            return [a for a in self.list_accounts() if a.remote_id]
        if self._batch.accounts is None:
            self._batch.accounts = [a for a in self.list_accounts() if a.remote_id]
        return self._batch.accounts

    def find_account(self, *, email="", username=""):
        candidates = []
        for attribute, value in ((USER_NAME, username), (EMAIL, email)):
            if not value:
                continue
            found = self._filter(attribute, value) if self._trusted(attribute) else None
            if found is None:  # cannot filter, or the filter proved wrong: match here
                self._trust[attribute] = False
                candidates = self._everyone()
                break
            candidates += found
        return identify(candidates, email=email, username=username)

    @contextlib.contextmanager
    def batch(self):
        """Within one claimed chunk, a server that cannot filter is read once: no job of the
        chunk ran anywhere after the chunk was claimed, and the chunk's own creates are
        added as they happen (a create that may have reached the server drops the copy)."""
        self._batch = SimpleNamespace(accounts=None)
        try:
            yield
        finally:
            self._batch = None

    # --- writing ----------------------------------------------------------------------

    def user_payload(self, new_account: NewAccount):
        """The User a create sends: what servers commonly require (name.formatted,
        displayName, active) besides the RFC's userName."""
        formatted = f"{new_account.first_name} {new_account.last_name}".strip()
        user = User(
            user_name=new_account.username,
            name=Name(
                given_name=new_account.first_name or None,
                family_name=new_account.last_name or None,
                formatted=formatted or None,
            ),
            display_name=formatted or new_account.username,
            emails=[Email(value=new_account.email, primary=True, type="work")],
            active=True,
        )
        if new_account.password and self.capabilities.set_password:
            user.password = new_account.password
        return user

    def create_account(self, new_account: NewAccount):
        try:
            user = self.user_payload(new_account)
        except ValidationError as error:
            problems = "; ".join(describe(e) for e in error.errors())
            raise PermanentError(f"This account cannot be written as SCIM: {problems}") from None
        try:
            answer = self._call("create", user)
            created = read_user(answer) if isinstance(answer, dict) else None
            if created is None or not created.remote_id:
                # Created, but the answer does not say as what: find it.
                self._forget_everyone()
                created = self.find_account(email=new_account.email, username=new_account.username)
                if created is None:
                    raise PermanentError("The app accepted the new account but not its id.")
        except Exception:
            self._forget_everyone()  # it may have been created: read again
            raise
        if self._batch is not None and self._batch.accounts is not None:
            self._batch.accounts.append(created)
        return created

    def _forget_everyone(self):
        if self._batch is not None:
            self._batch.accounts = None


def _value(account, attribute):
    return account.username if attribute == USER_NAME else account.email
