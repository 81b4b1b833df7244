"""Zendesk Support, through its Users API (developer.zendesk.com/api-reference/ticketing/
users/users/). Basic authentication as "{agent email}/token" with an API token. New users
get Zendesk's verification email instead of a password.

- GET  /api/v2/users/me.json                      the connection test
- POST /api/v2/users.json                         {"user": {"name", "email", "role", ...}}
- GET  /api/v2/users.json?page[size]=100          cursor pagination (links.next, meta.has_more)
- GET  /api/v2/users/search.json?query=email:...  lookup
Duplicates answer 422 ("... is already being used by another user"); rate limits 429 with
Retry-After."""

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import PermanentError


class ZendeskConnector(Connector):
    key = "zendesk"
    name = "Zendesk"
    credential_fields = (
        CredentialField("subdomain", "Subdomain", help_text="As in SUBDOMAIN.zendesk.com."),
        CredentialField("email", "Admin agent email"),
        CredentialField(
            "token", "API token", "secret", "Admin Center > Apps and integrations > Zendesk API."
        ),
        CredentialField(
            "role",
            "New users are",
            "choice",
            required=False,
            choices=(("end-user", "End users"), ("agent", "Agents")),
        ),
    )
    capabilities = Capabilities(create=True, set_password=False, list_accounts=True)
    default_rate_limit_per_minute = 200  # Support's smallest plan allows 200 requests a minute

    def base(self):
        return f"https://{self.credentials['subdomain']}.zendesk.com/api/v2"

    def call(self, method, url, **kwargs):
        auth = (f"{self.credentials.get('email', '')}/token", self.credentials.get("token", ""))
        return self.http.request(
            method, url, auth=auth, headers={"Accept": "application/json"}, **kwargs
        )

    def test_connection(self):
        me = self.call("GET", f"{self.base()}/users/me.json").json()["user"]
        if me.get("role") != "admin":
            raise PermanentError(
                f"{me.get('email')} is not a Zendesk admin: only admins may add users."
            )
        return {"account": me.get("email")}

    def list_accounts(self):
        url, params = f"{self.base()}/users.json", {"page[size]": 100}
        while url:
            page = self.call("GET", url, params=params).json()
            for user in page.get("users", []):
                yield zendesk_account(user)
            more = page.get("meta", {}).get("has_more")
            url, params = (page.get("links", {}).get("next") if more else None), None

    def find_account(self, *, email="", username=""):
        if not email:
            return None
        page = self.call(
            "GET", f"{self.base()}/users/search.json", params={"query": f"email:{email}"}
        ).json()
        # Zendesk's search also finds near matches: only the exact address is this person.
        return identify(map(zendesk_account, page.get("users", [])), email=email)

    def create_account(self, new_account):
        user = {
            "name": f"{new_account.first_name} {new_account.last_name}".strip(),
            "email": new_account.email,
            "role": self.credentials.get("role") or "end-user",
            "verified": False,  # Zendesk sends its verification email
        }
        response = self.call("POST", f"{self.base()}/users.json", json={"user": user})
        return zendesk_account(response.json()["user"])


def zendesk_account(user):
    first, _, last = (user.get("name") or "").partition(" ")
    return RemoteAccount(
        remote_id=str(user["id"]),
        username=user.get("email") or "",
        email=user.get("email") or "",
        first_name=first,
        last_name=last,
        active=user.get("active", True),
    )
