"""Yammer, REST API v1 (a retired API, kept for older networks; the catalog marks it
legacy). People are invited by email: Yammer sends the invitation, so no password is set.

Yammer REST API docs: POST /api/v1/invitations.json with email=... (form-encoded) invites;
GET /api/v1/users.json?page=N lists 50 users a page; GET
/api/v1/users/by_email.json?email=... finds one (404 when none). A verified admin's OAuth
token authenticates as a bearer token. Rate limits answer 429."""

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import NotFound

API = "https://www.yammer.com/api/v1"
PAGE = 50


class YammerConnector(Connector):
    key = "yammer"
    name = "Yammer"
    credential_fields = (
        CredentialField(
            "token",
            "Verified admin token",
            "secret",
            "An OAuth access token of a verified network admin.",
        ),
    )
    capabilities = Capabilities(create=True, set_password=False, list_accounts=True, invites=True)
    default_rate_limit_per_minute = 10  # Yammer: 10 requests in 10 seconds, per user and app

    def call(self, method, path, **kwargs):
        headers = {"Authorization": f"Bearer {self.credentials.get('token', '')}"}
        return self.http.request(method, f"{API}{path}", headers=headers, **kwargs)

    def test_connection(self):
        me = self.call("GET", "/users/current.json").json()
        return {"network": me.get("network_name")}

    def list_accounts(self):
        page = 1
        while True:
            users = self.call("GET", "/users.json", params={"page": page}).json()
            for user in users:
                yield yammer_account(user)
            if len(users) < PAGE:
                return
            page += 1

    def find_account(self, *, email="", username=""):
        if not email:
            return None
        try:
            users = self.call("GET", "/users/by_email.json", params={"email": email}).json()
        except NotFound:
            return None
        return identify(map(yammer_account, users or []), email=email)

    def create_account(self, new_account):
        self.call("POST", "/invitations.json", data={"email": new_account.email})
        # The invitation answers no user; the invited person shows up by email at once.
        invited = self.find_account(email=new_account.email)
        if invited is None:
            return RemoteAccount(
                remote_id=f"invited:{new_account.email.lower()}",
                username=new_account.email,
                email=new_account.email,
            )
        return invited


def yammer_account(user):
    email = next(
        (
            e.get("address", "")
            for e in user.get("contact", {}).get("email_addresses", [])
            if e.get("type") == "primary"
        ),
        user.get("email", ""),
    )
    return RemoteAccount(
        remote_id=str(user["id"]),
        username=user.get("name", ""),
        email=email,
        first_name=user.get("first_name", ""),
        last_name=user.get("last_name", ""),
        emails=tuple(
            e.get("address", "") for e in user.get("contact", {}).get("email_addresses", [])
        ),
        active=user.get("state") == "active",
    )
