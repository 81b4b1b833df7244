"""GitHub organizations: people are invited by email; GitHub emails the invitation, so no
password is set. An accepted invitation counts as the first sign-in.

REST API, version 2022-11-28 (docs.github.com/en/rest):
- GET  /orgs/{org}                      the connection test (and whether the token sees it)
- POST /orgs/{org}/invitations          {"email", "role": "direct_member"} -> an invitation
- GET  /orgs/{org}/invitations          pending invitations (email, id), paginated
- GET  /orgs/{org}/failed_invitations   invitations that expired or failed
- GET  /orgs/{org}/members              members (login, id; no email), paginated
- DELETE /orgs/{org}/invitations/{invitation_id}   cancels a pending invitation (204)
- DELETE /orgs/{org}/memberships/{username}        removes a member (204); 404 if not one
- GET  /user/{account_id}               a user's login from their durable id (users/get-by-id)
Pagination follows the Link header; rate limits answer 403 or 429 with Retry-After or
X-RateLimit-Remaining: 0 (the HTTP helper turns both into a retry).

Lifecycle (docs.github.com/en/rest/orgs/members): only delete. GitHub has no suspension of
an organization member, so nothing can be deactivated or reactivated, and a person's
profile (name, email, login) is their own, so nothing can be updated. Delete cancels a
pending invitation, or removes a member found by listing (`member:<id>`). An invitation that
was accepted leaves GitHub no record the API shows of which account accepted it (pending
invitations carry a login only while pending, and only for existing GitHub users): such a
delete fails with what the admin must do on GitHub, rather than counting as done."""

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import NotFound, PermanentError

API = "https://api.github.com"
INVITATION = "invitation:"  # remote ids of invitations (pending, or accepted since)
MEMBER = "member:"  # remote ids of members read by list_accounts


class GitHubConnector(Connector):
    key = "github"
    name = "GitHub"
    credential_fields = (
        CredentialField(
            "organization",
            "Organization",
            help_text="The organization's login, as in github.com/ORGANIZATION.",
        ),
        CredentialField(
            "token", "Token", "secret", "A token of an organization owner with the admin:org scope."
        ),
    )
    capabilities = Capabilities(
        create=True,
        set_password=False,
        list_accounts=True,
        invites=True,
        reports_sign_in=True,
        update=False,  # a GitHub profile belongs to its user
        deactivate=False,  # GitHub cannot suspend an organization member
        reactivate=False,
        delete=True,  # cancel the invitation, or remove the member from the organization
    )
    default_rate_limit_per_minute = 50  # invitations trigger GitHub's secondary rate limits

    def url(self, path):
        return f"{API}/orgs/{self.credentials['organization']}{path}"

    def get(self, path, **params):
        return self.http.request("GET", self.url(path), headers=self.headers(), params=params)

    def headers(self):
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.credentials.get('token', '')}",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    def pages(self, path):
        """Every item of a paginated list, following the Link header."""
        response = self.get(path, per_page=100)
        while True:
            yield from response.json()
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return
            response = self.http.request("GET", next_url, headers=self.headers())

    def organization(self):
        """The organization, or a PermanentError when this token cannot see it (GitHub
        answers 404, not 403, for an organization a token has no access to)."""
        try:
            return self.get("").json()
        except NotFound:
            raise PermanentError(
                f"GitHub has no organization {self.credentials['organization']} that this "
                "token can see."
            ) from None

    def test_connection(self):
        organization = self.organization()
        return {
            "organization": organization.get("login"),
            "accounts": organization.get("public_members_count"),
        }

    def list_accounts(self):
        for member in self.pages("/members"):
            yield RemoteAccount(remote_id=f"{MEMBER}{member['id']}", username=member["login"])
        for invitation in self.pages("/invitations"):
            yield invitation_account(invitation)

    def find_account(self, *, email="", username=""):
        # GitHub does not show members' emails: a pending invitation is what email finds.
        invitations = map(invitation_account, self.pages("/invitations"))
        return identify(invitations, email=email, username=username)

    def create_account(self, new_account):
        response = self.http.request(
            "POST",
            self.url("/invitations"),
            headers=self.headers(),
            json={"email": new_account.email, "role": "direct_member"},
        )
        return invitation_account(response.json())

    def signed_in(self, remote_ids):
        """Invitations no longer pending and not failed were accepted."""
        asked = {r for r in remote_ids if r.startswith(INVITATION)}
        if not asked:
            return set()
        pending = {f"{INVITATION}{i['id']}" for i in self.pages("/invitations")}
        failed = {f"{INVITATION}{i['id']}" for i in self.pages("/failed_invitations")}
        return asked - pending - failed

    def delete_account(self, remote_id):
        if remote_id.startswith(INVITATION):
            return self.cancel_invitation(remote_id.removeprefix(INVITATION))
        if remote_id.startswith(MEMBER):
            return self.remove_member(remote_id.removeprefix(MEMBER))
        raise PermanentError(f"{remote_id} is not a GitHub invitation or member id.")

    def cancel_invitation(self, number):
        try:
            self.http.request("DELETE", self.url(f"/invitations/{number}"), headers=self.headers())
            return
        except NotFound:
            pass  # no longer pending: failed, accepted, or cancelled on GitHub
        try:
            failed = {str(i["id"]) for i in self.pages("/failed_invitations")}
        except NotFound:
            self.organization()  # says so when the token cannot see the organization
            failed = set()  # never "done" without GitHub saying so
        if number in failed:
            raise NotFound(
                f"GitHub invitation {number} failed or expired: the person never joined."
            )
        organization = self.credentials["organization"]
        raise PermanentError(
            f"GitHub invitation {number} is no longer pending: it was accepted (or cancelled on "
            "GitHub), and GitHub does not say which account accepted it, so the console cannot "
            f"remove that member. If the person is in {organization}, remove them on GitHub "
            f"(github.com/orgs/{organization}/people)."
        )

    def remove_member(self, number):
        # Logins can change; the id read from the member list cannot.
        user = self.http.request("GET", f"{API}/user/{number}", headers=self.headers()).json()
        try:
            self.http.request(
                "DELETE", self.url(f"/memberships/{user['login']}"), headers=self.headers()
            )
        except NotFound:
            self.organization()  # a 404 for every call when the token cannot see it
            raise


def invitation_account(invitation):
    return RemoteAccount(
        remote_id=f"{INVITATION}{invitation['id']}",
        username=invitation.get("login") or invitation.get("email") or "",
        email=invitation.get("email") or "",
    )
