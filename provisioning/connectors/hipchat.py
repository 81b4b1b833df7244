"""HipChat Server / Data Center, REST API v2 (a retired product, kept for older
installations; the catalog marks it legacy).

HipChat API v2 docs (Users): POST /v2/user {"name", "email", "mention_name", "password"}
creates a user and answers 201 {"id", "links"}; GET /v2/user?start-index&max-results lists
users (items, links.next); GET /v2/user/{email} reads one. An admin personal access token
with the admin_group scope authenticates as a bearer token. HipChat can set a password."""

from urllib.parse import quote

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import NotFound

PAGE = 100


class HipChatConnector(Connector):
    key = "hipchat"
    name = "HipChat"
    credential_fields = (
        CredentialField(
            "base_url",
            "HipChat Server URL",
            "url",
            "The address of your HipChat Server, e.g. https://hipchat.example.com",
        ),
        CredentialField(
            "token", "Admin token", "secret", "A personal access token with the admin_group scope."
        ),
    )
    capabilities = Capabilities(create=True, set_password=True, list_accounts=True)
    default_rate_limit_per_minute = 100  # HipChat: 100 requests per 5 minutes per token, bursty

    def url(self, path):
        return f"{self.credentials['base_url'].rstrip('/')}/v2{path}"

    def call(self, method, path, **kwargs):
        headers = {"Authorization": f"Bearer {self.credentials.get('token', '')}"}
        return self.http.request(method, self.url(path), headers=headers, **kwargs)

    def test_connection(self):
        page = self.call("GET", "/user", params={"max-results": 1}).json()
        return {"accounts_on_first_page": len(page.get("items", []))}

    def list_accounts(self):
        start = 0
        while True:
            page = self.call(
                "GET", "/user", params={"start-index": start, "max-results": PAGE}
            ).json()
            items = page.get("items", [])
            for user in items:
                yield RemoteAccount(
                    remote_id=str(user["id"]),
                    username=user.get("mention_name", ""),
                    first_name=user.get("name", ""),
                )
            if not page.get("links", {}).get("next") or not items:
                return
            start += len(items)

    def find_account(self, *, email="", username=""):
        key = email or (f"@{username}" if username else "")
        if not key:
            return None
        try:
            user = self.call("GET", f"/user/{quote(key)}").json()
        except NotFound:
            return None
        found = RemoteAccount(
            remote_id=str(user["id"]),
            username=user.get("mention_name", ""),
            email=user.get("email", ""),
        )
        return identify([found], email=email, username=mention_name(username) if username else "")

    def create_account(self, new_account):
        body = {
            "name": f"{new_account.first_name} {new_account.last_name}".strip()[:50],
            "email": new_account.email,
            "mention_name": mention_name(new_account.username),
        }
        if new_account.password:
            body["password"] = new_account.password
        created = self.call("POST", "/user", json=body).json()
        return RemoteAccount(
            remote_id=str(created["id"]), username=body["mention_name"], email=new_account.email
        )


def mention_name(username):
    """HipChat's @mention name: no spaces or @; the part before an email's @."""
    return "".join(ch for ch in username.split("@")[0] if ch.isalnum() or ch in "._-")[:50]
