"""The GitHub connector, replaying GitHub's REST API (version 2022-11-28).

Shapes from docs.github.com/en/rest/orgs/members ("Create an organization invitation",
"List pending organization invitations", "List failed organization invitations",
"List organization members", "Cancel an organization invitation", "Remove organization
membership for a user"), docs.github.com/en/rest/users/users ("Get a user using their ID")
and docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api (403/429 with
Retry-After or x-ratelimit-remaining: 0)."""

import json

import pytest
import responses

from provisioning import engine, upkeep
from provisioning.connectors.base import NewAccount
from provisioning.connectors.errors import (
    AlreadyExists,
    AuthenticationError,
    NotFound,
    PermanentError,
    TransientError,
)
from provisioning.connectors.github import GitHubConnector
from provisioning.models import AppAccount, Connection
from provisioning.services import AccountRequest, queue_jobs
from provisioning.status import Status

from .conftest import add_app

ORG = "https://api.github.com/orgs/testco"
TOKEN = "ghp_secret_owner_token"


def github():
    return GitHubConnector.build({"organization": "testco", "token": TOKEN})


def invitation(number, email):
    return {
        "id": number,
        "login": None,
        "email": email,
        "role": "direct_member",
        "created_at": "2026-11-26T10:00:00Z",
        "invitation_teams_url": "",
        "inviter": {"login": "owner", "id": 1},
    }


def assert_github_headers(request):
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"


@responses.activate
def test_connection_test_good_bad_and_unknown_organization():
    responses.get(ORG, json={"login": "testco", "id": 7, "public_members_count": 12})
    assert github().test_connection() == {"organization": "testco", "accounts": 12}
    assert_github_headers(responses.calls[0].request)
    responses.replace(responses.GET, ORG, status=401, json={"message": "Bad credentials"})
    with pytest.raises(AuthenticationError) as caught:
        github().test_connection()
    assert "Bad credentials" in caught.value.message and TOKEN not in caught.value.message
    responses.replace(responses.GET, ORG, status=404, json={"message": "Not Found"})
    with pytest.raises(PermanentError, match="no organization testco"):
        github().test_connection()


@responses.activate
def test_create_invites_by_email_without_a_password():
    responses.post(f"{ORG}/invitations", status=201, json=invitation(42, "nina@testco.example"))
    remote = github().create_account(
        NewAccount(
            email="nina@testco.example",
            username="nina",
            first_name="Nina",
            last_name="New",
            password="never-sent",
        )
    )
    assert remote.remote_id == "invitation:42" and remote.email == "nina@testco.example"
    request = responses.calls[0].request
    assert (request.method, request.url) == ("POST", f"{ORG}/invitations")
    assert_github_headers(request)
    assert json.loads(request.body) == {"email": "nina@testco.example", "role": "direct_member"}


@responses.activate
def test_listing_follows_the_link_header_over_members_and_invitations():
    page2 = f"{ORG}/members?per_page=100&page=2"
    responses.get(
        f"{ORG}/members",
        match=[responses.matchers.query_param_matcher({"per_page": "100"})],
        json=[{"login": f"m{i}", "id": i} for i in range(100)],
        headers={"Link": f'<{page2}>; rel="next", <{page2}>; rel="last"'},
    )
    responses.get(page2, json=[{"login": "m100", "id": 100}])
    responses.get(f"{ORG}/invitations", json=[invitation(5, "new@testco.example")])
    accounts = list(github().list_accounts())
    assert len(accounts) == 102
    assert accounts[0].remote_id == "member:0" and accounts[-1].remote_id == "invitation:5"


@responses.activate
def test_lookup_finds_a_pending_invitation_by_email():
    responses.get(f"{ORG}/invitations", json=[invitation(9, "Nina@TestCo.example")])
    assert github().find_account(email="nina@testco.example").remote_id == "invitation:9"
    assert github().find_account(email="other@testco.example") is None


@responses.activate
def test_an_existing_member_or_invitation_is_already_exists():
    responses.post(
        f"{ORG}/invitations",
        status=422,
        json={
            "message": "Validation Failed",
            "errors": [
                {
                    "resource": "OrganizationInvitation",
                    "code": "unprocessable",
                    "field": "data",
                    "message": "Invitee is already a part of this organization",
                }
            ],
            "documentation_url": "https://docs.github.com/rest/orgs/members",
        },
    )
    with pytest.raises(AlreadyExists):
        github().create_account(
            NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
        )


@pytest.mark.parametrize(
    "status, headers",
    [
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"}),
        (429, {"Retry-After": "60"}),
        (403, {"Retry-After": "60"}),
    ],
)
@responses.activate
def test_rate_limits_are_retried_not_taken_for_bad_credentials(status, headers):
    responses.post(
        f"{ORG}/invitations",
        status=status,
        headers=headers,
        json={"message": "API rate limit exceeded"},
    )
    with pytest.raises(TransientError) as caught:
        github().create_account(
            NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
        )
    assert caught.value.retry_after >= 59


@responses.activate
def test_an_accepted_invitation_makes_the_account_active(testco, member):
    app = add_app(testco, "github", "GitHub")
    Connection.objects.create(
        organization=testco,
        app=app,
        state=Connection.State.CONNECTED,
        credentials={"organization": "testco", "token": TOKEN},
    )
    responses.post(f"{ORG}/invitations", status=201, json=invitation(77, member.email))
    (job,) = queue_jobs(app, [AccountRequest(user=member)], trigger="test")
    assert engine.run_job(job.pk) == "succeeded"
    account = AppAccount.objects.get(user=member)
    assert account.status == Status.INVITED and account.remote_id == "invitation:77"

    responses.get(f"{ORG}/invitations", json=[invitation(77, member.email)])
    responses.get(f"{ORG}/failed_invitations", json=[])
    assert upkeep.refresh_sign_ins() == 0  # still pending
    responses.replace(responses.GET, f"{ORG}/invitations", json=[])  # accepted
    assert upkeep.refresh_sign_ins() == 1
    account.refresh_from_db()
    assert account.status == Status.ACTIVE and account.first_sign_in_at


# Lifecycle: GitHub can only remove someone from the organization.

NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
OWNERS_ONLY = {
    "message": "You must be an organization owner to do this.",
    "documentation_url": "https://docs.github.com/rest/orgs/members",
}


def github_user(number, login):
    return {"login": login, "id": number, "node_id": "MDQ6VXNlcjE=", "type": "User"}


def failed_invitation(number, email):
    return {
        **invitation(number, email),
        "failed_at": "2026-12-03T10:00:00Z",
        "failed_reason": "Invitation expired. User did not accept this invite for 7 days.",
    }


def test_lifecycle_capabilities_are_delete_only():
    capabilities = GitHubConnector.capabilities
    assert capabilities.delete is True
    assert (capabilities.update, capabilities.deactivate, capabilities.reactivate) == (
        False,
        False,
        False,
    )


@responses.activate
def test_delete_cancels_a_pending_invitation():
    responses.delete(f"{ORG}/invitations/42", status=204)
    assert github().delete_account("invitation:42") is None
    (call,) = responses.calls
    assert (call.request.method, call.request.url) == ("DELETE", f"{ORG}/invitations/42")
    assert call.request.body is None
    assert_github_headers(call.request)


@responses.activate
def test_delete_of_an_invitation_that_failed_is_not_found():
    responses.delete(f"{ORG}/invitations/42", status=404, json=NOT_FOUND)
    responses.get(f"{ORG}/failed_invitations", json=[failed_invitation(42, "nina@testco.example")])
    with pytest.raises(NotFound, match="never joined"):
        github().delete_account("invitation:42")


@responses.activate
def test_delete_of_an_accepted_invitation_says_what_the_admin_must_do():
    responses.delete(f"{ORG}/invitations/42", status=404, json=NOT_FOUND)
    responses.get(f"{ORG}/failed_invitations", json=[])
    with pytest.raises(PermanentError) as caught:  # not NotFound: the member is still there
        github().delete_account("invitation:42")
    assert "github.com/orgs/testco/people" in caught.value.message
    assert TOKEN not in caught.value.message
    assert [call.request.method for call in responses.calls] == ["DELETE", "GET"]


@responses.activate
def test_a_token_that_cannot_see_the_organization_is_never_a_done_delete():
    responses.delete(f"{ORG}/invitations/42", status=404, json=NOT_FOUND)
    responses.get(f"{ORG}/failed_invitations", status=404, json=NOT_FOUND)
    responses.get(ORG, status=404, json=NOT_FOUND)
    with pytest.raises(PermanentError, match="no organization testco"):
        github().delete_account("invitation:42")
    responses.get("https://api.github.com/user/583231", json=github_user(583231, "octocat"))
    responses.delete(f"{ORG}/memberships/octocat", status=404, json=NOT_FOUND)
    with pytest.raises(PermanentError, match="no organization testco"):
        github().delete_account("member:583231")


@responses.activate
def test_delete_removes_a_listed_member_by_their_durable_id():
    responses.get("https://api.github.com/user/583231", json=github_user(583231, "octocat"))
    responses.delete(f"{ORG}/memberships/octocat", status=204)
    assert github().delete_account("member:583231") is None
    lookup, removal = (call.request for call in responses.calls)
    assert (lookup.method, lookup.url) == ("GET", "https://api.github.com/user/583231")
    assert (removal.method, removal.url) == ("DELETE", f"{ORG}/memberships/octocat")
    assert removal.body is None
    assert_github_headers(removal)


@responses.activate
def test_a_member_who_left_or_closed_their_account_is_not_found():
    responses.get("https://api.github.com/user/583231", json=github_user(583231, "octocat"))
    responses.delete(f"{ORG}/memberships/octocat", status=404, json=NOT_FOUND)
    responses.get(ORG, json={"login": "testco", "id": 7})
    with pytest.raises(NotFound):
        github().delete_account("member:583231")
    responses.replace(
        responses.GET, "https://api.github.com/user/583231", status=404, json=NOT_FOUND
    )
    with pytest.raises(NotFound):
        github().delete_account("member:583231")


DELETES = [
    pytest.param("invitation:42", "DELETE", f"{ORG}/invitations/42", id="cancel-invitation"),
    pytest.param("member:583231", "DELETE", f"{ORG}/memberships/octocat", id="remove-member"),
]


@pytest.mark.parametrize("remote_id, method, url", DELETES)
@responses.activate
def test_a_token_of_someone_not_an_owner_is_an_authentication_error(remote_id, method, url):
    responses.get("https://api.github.com/user/583231", json=github_user(583231, "octocat"))
    responses.add(method, url, status=403, json=OWNERS_ONLY)
    with pytest.raises(AuthenticationError) as caught:
        github().delete_account(remote_id)
    assert "organization owner" in caught.value.message and TOKEN not in caught.value.message


@pytest.mark.parametrize("remote_id, method, url", DELETES)
@pytest.mark.parametrize(
    "status, headers",
    [
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"}),
        (429, {"Retry-After": "60"}),
    ],
)
@responses.activate
def test_a_rate_limited_delete_is_retried(remote_id, method, url, status, headers):
    responses.get("https://api.github.com/user/583231", json=github_user(583231, "octocat"))
    responses.add(
        method, url, status=status, headers=headers, json={"message": "API rate limit exceeded"}
    )
    with pytest.raises(TransientError) as caught:
        github().delete_account(remote_id)
    assert caught.value.retry_after >= 59
