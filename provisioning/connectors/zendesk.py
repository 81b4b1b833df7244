"""Zendesk Support, through its Users API (developer.zendesk.com/api-reference/ticketing/
users/users/). Basic authentication as "{agent email}/token" with an API token. New users
get Zendesk's verification email instead of a password.

- GET  /api/v2/users/me.json                      the connection test
- POST /api/v2/users.json                         {"user": {"name", "email", "role", ...}}
- GET  /api/v2/users.json?page[size]=100          cursor pagination (links.next, meta.has_more)
- GET  /api/v2/users/search.json?query=email:...  lookup
Duplicates answer 422 ("... is already being used by another user"); rate limits 429 with
Retry-After (Update User also has its own limit: 5 a minute for each user).

Lifecycle, from the same page ("Update User", "Delete User") and developer.zendesk.com/
api-reference/ticketing/users/user_identities/:
- PUT    /api/v2/users/{id}.json  {"user": {"name"}}          a new name
- PUT    /api/v2/users/{id}.json  {"user": {"suspended": true | false}}   suspend, unsuspend:
  a suspended user cannot sign in and their new tickets are suspended
- DELETE /api/v2/users/{id}.json  Zendesk soft-deletes: the user becomes inactive and sits
  under deleted users until permanently deleted (DELETE /api/v2/deleted_users/{id}, GDPR),
  which the console does not do
- a new email: Update User only adds an email as a secondary address ("the primary email
  remains unmodified"), so the address becomes an identity (GET, POST
  /api/v2/users/{id}/identities.json) that is made primary (PUT .../identities/{identity
  id}/make_primary.json). Zendesk emails its verification to a new address; the old one stays
  on the user as a secondary address. Zendesk has no username."""

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import AlreadyExists, PermanentError


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
    capabilities = Capabilities(
        create=True,
        set_password=False,
        list_accounts=True,
        update=True,
        deactivate=True,
        reactivate=True,
        delete=True,  # a soft delete: see above
    )
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

    def user_url(self, remote_id, path=""):
        return f"{self.base()}/users/{remote_id}{path}.json"

    def update_account(self, remote_id, update):
        if "email" in update.changed:
            self.make_email_primary(remote_id, update.email)
        if update.changed & {"first_name", "last_name"}:
            name = f"{update.first_name} {update.last_name}".strip()
            answer = self.call("PUT", self.user_url(remote_id), json={"user": {"name": name}})
            return zendesk_account(answer.json()["user"])
        return None

    def make_email_primary(self, remote_id, email):
        identities = self.call("GET", self.user_url(remote_id, "/identities")).json()
        emails = [i for i in identities.get("identities", []) if i.get("type") == "email"]
        identity = next(
            (i for i in emails if (i.get("value") or "").casefold() == email.casefold()), None
        )
        if identity is None:
            try:
                answer = self.call(
                    "POST",
                    self.user_url(remote_id, "/identities"),
                    json={"identity": {"type": "email", "value": email}},
                )
            except AlreadyExists as error:
                raise PermanentError(
                    f"Another Zendesk user already has the address {email}, so it cannot become "
                    "this person's. Merge or delete that user in Zendesk, then retry.",
                    status_code=error.status_code,
                ) from error
            identity = answer.json()["identity"]
        if not identity.get("primary"):
            self.call("PUT", self.user_url(remote_id, f"/identities/{identity['id']}/make_primary"))

    def deactivate_account(self, remote_id):
        self.call("PUT", self.user_url(remote_id), json={"user": {"suspended": True}})

    def reactivate_account(self, remote_id):
        self.call("PUT", self.user_url(remote_id), json={"user": {"suspended": False}})

    def delete_account(self, remote_id):
        """A soft delete: the user stays among Zendesk's deleted users (see above)."""
        self.call("DELETE", self.user_url(remote_id))


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
