"""The GitHub connector, replaying GitHub's REST API (version 2022-11-28).

Shapes from docs.github.com/en/rest/orgs/members ("Create an organization invitation",
"List pending organization invitations", "List failed organization invitations",
"List organization members") and docs.github.com/en/rest/using-the-rest-api/rate-limits-
for-the-rest-api (403/429 with Retry-After or x-ratelimit-remaining: 0)."""

import json

import pytest
import responses

from provisioning import engine, upkeep
from provisioning.connectors.base import NewAccount
from provisioning.connectors.errors import (
    AlreadyExists,
    AuthenticationError,
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
