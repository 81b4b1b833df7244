"""HipChat Server / Data Center, REST API v2 (a retired product, kept for older
installations; the catalog marks it legacy).

HipChat API v2 docs (Users): POST /v2/user {"name", "email", "mention_name", "password"}
creates a user and answers 201 {"id", "links"}; GET /v2/user?start-index&max-results lists
users (items, links.next); GET /v2/user/{email} reads one. An admin personal access token
with the admin_group scope authenticates as a bearer token. HipChat can set a password.

Lifecycle (HipChat API v2 Users resource, as reconstructed in api-evangelist/hipchat
openapi/hipchat-rest-api-openapi.yml and used by the v2 clients ppwozniak/hipchat-api2 and
HypChat): PUT /v2/user/{id_or_email} replaces the user (name, email and mention_name are
always sent; title, timezone and is_group_admin go back as they were) and answers 204;
DELETE /v2/user/{id_or_email} deletes and answers 204. HipChat keeps a deleted user's record
(is_deleted; GET /v2/user?include-deleted lists it), but API v2 has no call that suspends a
user or brings a deleted one back (v1's users/undelete needs a v1 admin token, and HipChat
Server admins report DELETE as its only "deactivate"), so HipChat declares delete and
neither deactivate nor reactivate."""

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
    # update: PUT /v2/user/{id}; delete: DELETE /v2/user/{id}. No suspend and no undelete in
    # API v2 (see the module docstring), so deactivate and reactivate stay False.
    capabilities = Capabilities(
        create=True,
        set_password=True,
        list_accounts=True,
        update=True,
        delete=True,
        deactivate=False,
        reactivate=False,
    )
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
        if user.get("is_deleted"):  # a deleted user is no account to link
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

    def update_account(self, remote_id, update):
        """PUT replaces the whole user, so it starts from the user as HipChat has it: the
        fields named in update.changed take the console's values, every other field goes back
        unchanged. HipChat answers 204 without the user, so nothing is returned."""
        if not update.changed:
            return None
        path = f"/user/{quote(str(remote_id), safe='')}"
        current = self.call("GET", path).json()
        if current.get("is_deleted"):
            raise NotFound(
                f"The HipChat user {remote_id} was deleted: HipChat's API cannot change or "
                "restore a deleted user."
            )
        ours = {
            "name": f"{update.first_name} {update.last_name}".strip()[:50],
            "email": update.email,
            "mention_name": mention_name(update.username),
        }
        body = {
            key: ours[key] if update.changed & fields else current.get(key) or ours[key]
            for key, fields in REQUIRED_ON_UPDATE.items()
        }
        for key in KEPT_ON_UPDATE:
            if current.get(key) is not None:
                body[key] = current[key]
        self.call("PUT", path, json=body)
        return None

    def delete_account(self, remote_id):
        self.call("DELETE", f"/user/{quote(str(remote_id), safe='')}")


# The fields every PUT /v2/user/{id} must carry, and the AccountUpdate fields each comes from.
REQUIRED_ON_UPDATE = {
    "name": {"first_name", "last_name"},
    "email": {"email"},
    "mention_name": {"username"},
}
# What a PUT sends back as HipChat had it: a PUT replaces the user, and what it leaves out may
# fall back to a default (timezone UTC, is_group_admin false). The password is never sent.
KEPT_ON_UPDATE = ("title", "timezone", "is_group_admin")


def mention_name(username):
    """HipChat's @mention name: no spaces or @; the part before an email's @."""
    return "".join(ch for ch in username.split("@")[0] if ch.isalnum() or ch in "._-")[:50]
