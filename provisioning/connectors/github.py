"""GitHub organizations: people are invited by email; GitHub emails the invitation, so no
password is set. An accepted invitation counts as the first sign-in.

REST API, version 2022-11-28 (docs.github.com/en/rest):
- GET  /orgs/{org}                      the connection test (and whether the token sees it)
- POST /orgs/{org}/invitations          {"email", "role": "direct_member"} -> an invitation
- GET  /orgs/{org}/invitations          pending invitations (email, id), paginated
- GET  /orgs/{org}/failed_invitations   invitations that expired or failed
- GET  /orgs/{org}/members              members (login, id; no email), paginated
Pagination follows the Link header; rate limits answer 403 or 429 with Retry-After or
X-RateLimit-Remaining: 0 (the HTTP helper turns both into a retry)."""

from .base import Capabilities, Connector, CredentialField, RemoteAccount, identify
from .errors import NotFound, PermanentError

API = "https://api.github.com"
INVITATION = "invitation:"  # remote ids of pending invitations; members are "member:<id>"


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
        create=True, set_password=False, list_accounts=True, invites=True, reports_sign_in=True
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

    def test_connection(self):
        try:
            organization = self.get("").json()
        except NotFound:
            raise PermanentError(
                f"GitHub has no organization {self.credentials['organization']} that this "
                "token can see."
            ) from None
        return {
            "organization": organization.get("login"),
            "accounts": organization.get("public_members_count"),
        }

    def list_accounts(self):
        for member in self.pages("/members"):
            yield RemoteAccount(remote_id=f"member:{member['id']}", username=member["login"])
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


def invitation_account(invitation):
    return RemoteAccount(
        remote_id=f"{INVITATION}{invitation['id']}",
        username=invitation.get("login") or invitation.get("email") or "",
        email=invitation.get("email") or "",
    )
