"""Google Workspace, through the Admin SDK Directory API.

developers.google.com/identity/protocols/oauth2/service-account: a service account with
domain-wide delegation signs a JWT (RS256) for an admin it impersonates ("sub") and trades it
at https://oauth2.googleapis.com/token for an access token (an hour).
developers.google.com/admin-sdk/directory/reference/rest/v1/users: POST /users (insert: a
password is required; changePasswordAtNextLogin), GET /users?customer=my_customer with
pageToken (list), GET /users/{userKey} (lookup; 404 when none). 409 "Entity already exists";
429 / 403 rateLimitExceeded with Retry-After are rate limits.
Lifecycle, same reference: users.update (PUT /users/{userKey}) "supports patch semantics,
meaning that you only need to include the fields you wish to update"; it takes
name.givenName / name.familyName, primaryEmail (the guide "Manage user accounts": a renamed
user keeps the old address as an alias) and suspended ("Indicates if user is suspended": true
suspends, false restores). users.delete (DELETE /users/{userKey}) answers 204, empty."""

import base64
import json
import time
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import AlreadyExists, AuthenticationError, NotFound, PermanentError, TransientError
from .http import AccessToken

TOKEN_URL = "https://oauth2.googleapis.com/token"
API = "https://admin.googleapis.com/admin/directory/v1"
SCOPE = "https://www.googleapis.com/auth/admin.directory.user"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class GoogleWorkspaceConnector(Connector):
    key = "google_workspace"
    name = "Google Workspace"
    credential_fields = (
        CredentialField(
            "service_account_key",
            "Service account key (JSON)",
            "secret",
            "The JSON key of a service account with domain-wide delegation of "
            "the admin.directory.user scope: paste the whole file's contents.",
            multiline=True,
        ),
        CredentialField(
            "admin_email",
            "Admin to act as",
            help_text="A super admin of your domain; the service account acts on their behalf.",
        ),
    )
    capabilities = Capabilities(
        create=True,
        set_password=True,
        list_accounts=True,
        update=True,  # users.update: name and primaryEmail
        deactivate=True,  # users.update with suspended: true
        reactivate=True,  # users.update with suspended: false
        delete=True,  # users.delete
    )
    default_rate_limit_per_minute = 600  # Directory API: 2,400 queries a minute per user

    def __init__(self, credentials, http):
        super().__init__(credentials, http)
        self.access_token = AccessToken(http, self.grant)

    def key_info(self):
        try:
            info = json.loads(self.credentials.get("service_account_key", ""))
            return info["client_email"], info["private_key"]
        except (ValueError, KeyError, TypeError) as error:
            raise PermanentError(
                "The service account key is not a Google JSON key (client_email and "
                "private_key are needed)."
            ) from error

    def assertion(self, now):
        client_email, private_key = self.key_info()
        try:
            key = serialization.load_pem_private_key(private_key.encode(), password=None)
        except (ValueError, TypeError) as error:
            raise PermanentError("The service account key's private key cannot be read.") from (
                error
            )
        header = {"alg": "RS256", "typ": "JWT"}
        claims = {
            "iss": client_email,
            "sub": self.credentials.get("admin_email", ""),
            "scope": SCOPE,
            "aud": TOKEN_URL,
            "iat": now,
            "exp": now + 3600,
        }
        signing_input = (
            f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        )
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def grant(self):
        response = self.http.request(
            "POST",
            TOKEN_URL,
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": self.assertion(int(time.time())),
            },
        )
        return response.json()

    def call(self, method, path, **kwargs):
        headers = {"Authorization": f"Bearer {self.access_token()}"}
        try:
            return self.http.request(method, f"{API}{path}", headers=headers, **kwargs)
        except AuthenticationError as error:
            # Google answers its rate limits with 403 and a reason, not with a header.
            if "RateLimitExceeded" in error.message or "rateLimitExceeded" in error.message:
                raise TransientError(
                    "Google is rate limiting us (403).", retry_after=10, status_code=403
                ) from error
            raise

    def test_connection(self):
        page = self.call(
            "GET", "/users", params={"customer": "my_customer", "maxResults": 1}
        ).json()
        return {"accounts_on_first_page": len(page.get("users", []))}

    def list_accounts(self):
        params = {"customer": "my_customer", "maxResults": 500}
        while True:
            page = self.call("GET", "/users", params=params).json()
            for user in page.get("users", []):
                yield google_account(user)
            if not page.get("nextPageToken"):
                return
            params = {**params, "pageToken": page["nextPageToken"]}

    def find_account(self, *, email="", username=""):
        key = email or username
        if not key or "@" not in key:
            return None
        try:
            user = self.call("GET", f"/users/{key}").json()
        except NotFound:
            return None
        # Directory answers an alias with its user: the alias is among the user's addresses.
        return identify([google_account(user)], email=email, username=username)

    def create_account(self, new_account):
        body = {
            "primaryEmail": new_account.email,
            "name": {"givenName": new_account.first_name, "familyName": new_account.last_name},
            "password": new_account.password or "",
            "changePasswordAtNextLogin": True,
        }
        if not new_account.password:
            raise PermanentError("Google Workspace needs a password for a new user.")
        return google_account(self.call("POST", "/users", json=body).json())

    def user_path(self, remote_id):
        return f"/users/{quote(str(remote_id), safe='@')}"

    def update_account(self, remote_id, update):
        """users.update with only the changed fields (patch semantics). Google has no
        username apart from primaryEmail: a changed username alone sends nothing."""
        body = {}
        name = {}
        if "first_name" in update.changed:
            name["givenName"] = update.first_name
        if "last_name" in update.changed:
            name["familyName"] = update.last_name
        if name:
            body["name"] = name
        if "email" in update.changed:
            body["primaryEmail"] = update.email
        if not body:
            return None
        try:
            user = self.call("PUT", self.user_path(remote_id), json=body).json()
        except AlreadyExists as error:  # 409: the address is another user's, group's or alias
            raise PermanentError(
                f"Google Workspace refused {update.email} as the primary email: another user, "
                "group or alias already has it. Free the address, then retry.",
                status_code=error.status_code,
            ) from error
        return google_account(user)

    def deactivate_account(self, remote_id):
        """Suspends the user: they cannot sign in, and their data stays."""
        self.call("PUT", self.user_path(remote_id), json={"suspended": True})

    def reactivate_account(self, remote_id):
        self.call("PUT", self.user_path(remote_id), json={"suspended": False})

    def delete_account(self, remote_id):
        self.call("DELETE", self.user_path(remote_id))


def google_account(user):
    name = user.get("name", {})
    return RemoteAccount(
        remote_id=str(user["id"]),
        username=user.get("primaryEmail", ""),
        email=user.get("primaryEmail", ""),
        first_name=name.get("givenName", ""),
        last_name=name.get("familyName", ""),
        active=not user.get("suspended", False),
        emails=tuple(
            [*user.get("aliases", []), *(e.get("address", "") for e in user.get("emails", []))]
        ),
    )
