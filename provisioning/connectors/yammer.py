"""Yammer, REST API v1 (a retired API, kept for older networks; the catalog marks it
legacy). People are invited by email: Yammer sends the invitation, so no password is set.

Yammer REST API docs: POST /api/v1/invitations.json with email=... (form-encoded) invites;
GET /api/v1/users.json?page=N lists 50 users a page; GET
/api/v1/users/by_email.json?email=... finds one (404 when none). A verified admin's OAuth
token authenticates as a bearer token. Rate limits answer 429.

Lifecycle, from Microsoft's Yammer REST reference (learn.microsoft.com/rest/api/yammer):
users_id_delete: "The DELETE method on a user resource will suspend that user's account,
allowing the user to reactivate through the website if they have access to a company email
address. Passing delete=true along with the request will cause the account to be deleted"
(admin or verified admin) - so DELETE /api/v1/users/{id}.json suspends (deactivate) and
?delete=true deletes. Reactivation is the person's own sign-in ("users must sign-in to
reactivate their profile"): no API call does it, so reactivate stays False. users_id_put:
PUT /api/v1/users/{id}.json updates a user (verified admin); its "parameters for creating or
updating users" list email and full_name, and neither first/last name nor the username."""

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
    # update: PUT users/{id}.json; deactivate: DELETE users/{id}.json (a suspension);
    # delete: DELETE users/{id}.json?delete=true. Reactivation is only the person's own
    # sign-in, never an API call (see the module docstring), so reactivate stays False.
    capabilities = Capabilities(
        create=True,
        set_password=False,
        list_accounts=True,
        invites=True,
        update=True,
        deactivate=True,
        delete=True,
        reactivate=False,
    )
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

    def user_id(self, remote_id):
        """The Yammer user id behind a remote_id. An invitation Yammer did not list at once
        was recorded as "invited:<email>": its user is looked up by that email now."""
        remote_id = str(remote_id)
        if not remote_id.startswith("invited:"):
            return remote_id
        email = remote_id.removeprefix("invited:")
        invited = self.find_account(email=email)
        if invited is None:
            raise NotFound(
                f"Yammer has no user with the address {email}: the invitation was never "
                "turned into an account, or the account is gone."
            )
        return invited.remote_id

    def update_account(self, remote_id, update):
        """Pushes the changed name (as full_name) and email; Yammer derives the username
        itself and its API takes no username, so a changed username alone sends nothing."""
        body = {}
        if update.changed & {"first_name", "last_name"}:
            body["full_name"] = f"{update.first_name} {update.last_name}".strip()
        if "email" in update.changed:
            body["email"] = update.email
        if not body:
            return None
        answer = self.call("PUT", f"/users/{self.user_id(remote_id)}.json", data=body)
        try:
            user = answer.json()
        except ValueError:  # the docs show no answer body
            return None
        return yammer_account(user) if isinstance(user, dict) and user.get("id") else None

    def deactivate_account(self, remote_id):
        """Yammer's DELETE without delete=true suspends the account."""
        self.call("DELETE", f"/users/{self.user_id(remote_id)}.json")

    def delete_account(self, remote_id):
        self.call("DELETE", f"/users/{self.user_id(remote_id)}.json", params={"delete": "true"})


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
