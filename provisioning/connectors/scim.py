"""Any SCIM 2.0 app (RFC 7643/7644), through scim2-client and scim2-models: no hand-written
SCIM JSON. scim2-client ships no requests engine, so RequestsSCIMClient below is ours; it
sends through VendorHTTP, which maps status codes to our error vocabulary."""

import json
from urllib.parse import urljoin

from scim2_client import SCIMClientException
from scim2_client.client import BaseSyncSCIMClient
from scim2_models import (
    Email,
    Group,
    Name,
    ResourceType,
    ScimProvider,
    SearchRequest,
    ServiceProviderConfig,
    User,
)

from .base import Capabilities, Connector, CredentialField, NewAccount, RemoteAccount
from .errors import PermanentError

PAGE_SIZE = 100
SCIM_JSON = "application/scim+json"


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


def _remote(user):
    emails = user.emails or []
    primary = next((e for e in emails if e.primary), emails[0] if emails else None)
    name = user.name
    return RemoteAccount(
        remote_id=user.id,
        username=user.user_name or "",
        email=(primary.value if primary else "") or "",
        first_name=(name.given_name if name else "") or "",
        last_name=(name.family_name if name else "") or "",
        active=user.active is not False,
    )


class ScimConnector(Connector):
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
    capabilities = Capabilities(create=True, set_password=True, list_accounts=True)
    default_rate_limit_per_minute = 600

    def __init__(self, credentials, http):
        super().__init__(credentials, http)
        if credentials.get("passwords") == "none":
            self.capabilities = Capabilities(create=True, set_password=False, list_accounts=True)
        headers = {"Accept": SCIM_JSON, "Content-Type": SCIM_JSON}
        auth = None
        if credentials.get("auth", "bearer") == "basic":
            auth = (credentials.get("username", ""), credentials.get("password", ""))
        else:
            headers["Authorization"] = f"Bearer {credentials.get('token', '')}"
        self.client = RequestsSCIMClient(
            http,
            credentials["base_url"],
            headers,
            auth,
            provider=ScimProvider(models=[User, Group]),
        )

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
            return getattr(self.client, method)(*args, **kwargs)
        except SCIMClientException as error:
            raise PermanentError(
                f"The app answered in a form that is not valid SCIM: {error}"
            ) from error

    def test_connection(self):
        config = self._call("query", ServiceProviderConfig)
        resource_types = self._call("query", ResourceType).resources or []
        names = sorted(rt.name for rt in resource_types if rt.name)
        if "User" not in names:
            raise PermanentError("The app's SCIM service offers no User resource type.")
        users = self._call("query", User, query_parameters=SearchRequest(count=1))

        def supported(attribute):
            return bool(getattr(getattr(config, attribute, None), "supported", False))

        return {
            "filter": supported("filter"),
            "patch": supported("patch"),
            "etag": supported("etag"),
            "bulk": supported("bulk"),
            "sort": supported("sort"),
            "change_password": supported("change_password"),
            "pagination": "index",
            "resource_types": names,
            "accounts": users.total_results,
        }

    def list_accounts(self):
        start = 1
        while True:
            page = self._call(
                "query", User, query_parameters=SearchRequest(start_index=start, count=PAGE_SIZE)
            )
            users = page.resources or []
            for user in users:
                yield _remote(user)
            start += len(users)
            if not users or start > (page.total_results or 0):
                return

    def find_account(self, *, email="", username=""):
        filters = []
        if username:
            filters.append(f"userName eq {_quote(username)}")
        if email:
            filters.append(f"emails.value eq {_quote(email)}")
        for scim_filter in filters:
            page = self._call("query", User, query_parameters=SearchRequest(filter=scim_filter))
            if page.resources:
                return _remote(page.resources[0])
        return None

    def create_account(self, new_account: NewAccount):
        user = User(
            user_name=new_account.username,
            name=Name(given_name=new_account.first_name, family_name=new_account.last_name),
            display_name=f"{new_account.first_name} {new_account.last_name}".strip(),
            emails=[Email(value=new_account.email, primary=True, type="work")],
            active=True,
        )
        if new_account.password and self.capabilities.set_password:
            user.password = new_account.password
        return _remote(self._call("create", user))
