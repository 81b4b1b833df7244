"""The SCIM connector against servers that stray from RFC 7643/7644 in the ways real ones do,
replayed with `responses`: a filter ignored or answered with an empty list, extension schemas,
a malformed user, totalResults left out, startIndex ignored, duplicate userNames accepted,
errors that name a field. A small in-test server (ScimUsers) pages and filters like one."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from provisioning import engine
from provisioning.connectors.base import NewAccount
from provisioning.connectors.errors import AlreadyExists, PermanentError
from provisioning.connectors.scim import ScimConnector
from provisioning.mapping import read_accounts
from provisioning.models import AccountRead, AppAccount
from provisioning.services import AccountRequest, queue_jobs

from .scim_payloads import BASE, SCIM_JSON, USERS, error, register_discovery, user

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SLACK_PROFILE = "urn:ietf:params:scim:schemas:extension:slack:profile:2.0:User"
CREDENTIALS = {"base_url": BASE, "auth": "bearer", "token": "vendor-secret-token-123"}


class ScimUsers:
    """/Users as a quirky server answers it. `filters`: "apply", "ignore" (every user comes
    back) or "no-emails" (userName applied, an emails filter answered with an empty list)."""

    def __init__(self, users, filters="apply", total=True, paging=True):
        self.users, self.filters, self.total, self.paging = users, filters, total, paging
        self.seen_filters = []

    def __call__(self, request):
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        users = self.users
        if "filter" in query:
            self.seen_filters.append(query["filter"])
            users = self.apply(query["filter"])
        start, count = int(query.get("startIndex", 1)), int(query.get("count", 50))
        page = users[start - 1 : start - 1 + count] if self.paging else users
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "Resources": page,
        }
        if self.total:
            body["totalResults"] = len(users)
        return 200, {"Content-Type": SCIM_JSON}, json.dumps(body)

    def apply(self, scim_filter):
        attribute, _, value = scim_filter.partition(" eq ")
        value = json.loads(value)
        if self.filters == "ignore" or (self.filters == "no-emails" and attribute != "userName"):
            return self.users if self.filters == "ignore" else []
        if attribute == "userName":
            return [u for u in self.users if u.get("userName", "").lower() == value.lower()]
        return [
            u
            for u in self.users
            if any(e.get("value", "").lower() == value.lower() for e in u.get("emails", []))
        ]


def seeded(count):
    return [user(f"id-{i:03}", f"seed-{i:03}@vendor.example", f"seed-{i:03}") for i in range(count)]


def serve(users, **quirks):
    server = ScimUsers(users, **quirks)
    responses.add_callback(responses.GET, USERS, callback=server)
    return server


def connected():
    """Built with what Confirm found, as the engine builds it."""
    info = ScimConnector.build(CREDENTIALS).test_connection()
    return ScimConnector.build(CREDENTIALS, server_info=info)


@responses.activate
def test_a_server_that_ignores_filters_is_read_and_matched_here():
    register_discovery(BASE)  # it even claims filter.supported: true
    server = serve(seeded(150), filters="ignore")
    scim = connected()
    assert scim.server_info["filters"] == {"userName": False, "emails.value": False}
    assert scim.find_account(username="seed-137").remote_id == "id-137"
    assert scim.find_account(email="seed-042@vendor.example").remote_id == "id-042"
    assert scim.find_account(username="nobody") is None  # not seed-000
    assert scim.find_account(email="nobody@vendor.example") is None
    assert server.seen_filters  # tried at Confirm, then not trusted


@responses.activate
def test_a_filter_ignored_after_confirm_is_caught_by_what_it_returns():
    register_discovery(BASE)
    serve(seeded(30), filters="ignore")
    proven = {"filter": True, "filters": {"userName": True, "emails.value": True}}
    scim = ScimConnector.build(CREDENTIALS, server_info=proven)
    assert scim.find_account(username="seed-017").remote_id == "id-017"
    assert scim.find_account(username="seed-999") is None


@responses.activate
def test_an_empty_answer_to_an_emails_filter_is_not_believed():
    register_discovery(BASE)
    serve(seeded(10), filters="no-emails")
    scim = connected()
    assert scim.server_info["filters"] == {"userName": True, "emails.value": False}
    assert scim.find_account(email="seed-004@vendor.example").remote_id == "id-004"
    assert scim.find_account(username="seed-005").remote_id == "id-005"


@responses.activate
def test_an_emails_filter_proven_wrong_later_falls_back_to_reading():
    """Confirm saw an empty app, so nothing was proven; the first empty answer is checked
    against a user the app has."""
    register_discovery(BASE)
    server = serve([], filters="no-emails")
    scim = connected()
    assert scim.server_info["filters"] == {"userName": None, "emails.value": None}
    server.users = seeded(5)
    assert scim.find_account(email="seed-003@vendor.example").remote_id == "id-003"


@responses.activate
def test_a_server_that_declares_no_filtering_is_never_sent_one():
    responses.get(
        f"{BASE}/ServiceProviderConfig",
        content_type=SCIM_JSON,
        json={"filter": {"supported": False}, "patch": {"supported": True}},
    )
    responses.get(f"{BASE}/ResourceTypes", status=404, json=error(404, "no such endpoint"))
    responses.get(f"{BASE}/Schemas", status=500, json=error(500, "oops"))
    server = serve(seeded(8))
    scim = connected()
    assert scim.find_account(email="seed-006@vendor.example").remote_id == "id-006"
    assert server.seen_filters == []
    notes = " ".join(scim.server_info["notes"])
    assert "ResourceTypes: Not found (404)" in notes and "Schemas: The app had an error" in notes


@responses.activate
def test_discovery_without_totalResults_or_a_config_still_connects():
    responses.get(f"{BASE}/ServiceProviderConfig", body="<html>nope</html>", status=200)
    responses.get(
        f"{BASE}/ResourceTypes",
        content_type=SCIM_JSON,
        json={"Resources": [{"id": "User", "name": "User", "endpoint": "/Users"}]},
    )
    responses.get(f"{BASE}/Schemas", content_type=SCIM_JSON, json={"Resources": []})
    serve(seeded(3), total=False)
    info = ScimConnector.build(CREDENTIALS).test_connection()
    assert info["resource_types"] == ["User"] and info["accounts"] is None
    assert info["filter"] is False and "ServiceProviderConfig" in info["notes"][0]


@responses.activate
def test_listing_without_totalResults_or_with_startIndex_ignored_ends(monkeypatch):
    monkeypatch.setattr("provisioning.connectors.scim.PAGE_SIZE", 4)
    register_discovery(BASE)
    server = serve(seeded(10), total=False)
    assert len(list(connected().list_accounts())) == 10
    server.total, server.paging = True, False  # every page is the whole list
    assert len(list(connected().list_accounts())) == 10


@responses.activate
def test_extension_schemas_are_read_and_kept():
    register_discovery(BASE)
    bob = user("id-1", "bob@vendor.example", "bob")
    bob["schemas"] += [ENTERPRISE, SLACK_PROFILE]
    bob[ENTERPRISE] = {"employeeNumber": "701", "manager": {"value": "id-9"}}
    bob[SLACK_PROFILE] = {"startDate": "2026-01-01"}
    serve([bob])
    (account,) = connected().list_accounts()
    assert (account.remote_id, account.username, account.problem) == ("id-1", "bob", "")
    assert account.raw == {SLACK_PROFILE: {"startDate": "2026-01-01"}}
    assert connected().find_account(email="bob@vendor.example").remote_id == "id-1"


@responses.activate
def test_a_malformed_user_is_reported_and_the_listing_goes_on(vendor_app):
    register_discovery(BASE)
    service = user("id-svc", "x@vendor.example", "deploy-bot")
    service["emails"] = [{"value": ""}]  # a service account
    no_id = user("", "ghost@vendor.example", "ghost")
    del no_id["id"]
    serve([service, no_id, *seeded(3)])
    accounts = list(connected().list_accounts())
    svc = next(a for a in accounts if a.remote_id == "id-svc")
    assert svc.username == "deploy-bot" and svc.email == ""
    assert "emails.0.value" in svc.problem and "valid email" in svc.problem
    assert [a.problem for a in accounts if not a.remote_id] == ["it has no id"]

    run = AccountRead.objects.create(organization=vendor_app.organization, app=vendor_app)
    assert read_accounts(vendor_app, connected(), run) == 4
    run.refresh_from_db()
    assert run.problem_count == 2 and run.problems[0]["id"] == "id-svc"
    assert AppAccount.objects.filter(app=vendor_app).count() == 4


@responses.activate
def test_assign_users_names_the_accounts_read_in_part(vendor_app, as_admin):
    register_discovery(BASE)
    service = user("id-svc", "x@vendor.example", "deploy-bot")
    service["emails"] = [{"value": ""}]
    serve([service, *seeded(2)])
    vendor_app.connection.server_info["accounts"] = 3  # small: read while the admin waits
    vendor_app.connection.save()
    page = as_admin.get(f"/apps/{vendor_app.pk}/assign/").content.decode()
    assert "Accounts read in part" in page
    assert "id-svc" in page and "emails.0.value" in page and "deploy-bot" in page


@responses.activate
def test_two_accounts_with_one_username_are_never_guessed_between(vendor_app, member):
    register_discovery(BASE)
    serve([user("id-a", "ana@one.example", "ana"), user("id-b", "ana@two.example", "ANA")])
    scim = connected()
    with pytest.raises(PermanentError) as caught:
        scim.find_account(username="ana")
    assert "2 accounts in the app match ana" in caught.value.message
    assert "id-a" in caught.value.message and "id-b" in caught.value.message
    assert scim.find_account(email="ana@two.example", username="ana").remote_id == "id-b"


@responses.activate
def test_creates_send_what_servers_commonly_require():
    responses.post(USERS, status=200, content_type=SCIM_JSON, json=user("r1", "a@b.example"))
    ScimConnector.build(CREDENTIALS).create_account(
        NewAccount(email="a@b.example", username="a", first_name="Ana", last_name="Lima")
    )
    sent = json.loads(responses.calls[0].request.body)
    assert sent["name"] == {"givenName": "Ana", "familyName": "Lima", "formatted": "Ana Lima"}
    assert sent["displayName"] == "Ana Lima" and sent["active"] is True


@responses.activate
def test_a_create_answered_with_extensions_and_no_201_is_read():
    created = user("r9", "a@b.example", "a")
    created["schemas"].append(ENTERPRISE)
    created[ENTERPRISE] = {"department": "Ops"}
    responses.post(USERS, status=200, content_type="application/json", json=created)
    remote = ScimConnector.build(CREDENTIALS).create_account(
        NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
    )
    assert remote.remote_id == "r9"


@responses.activate
def test_a_refusal_that_names_a_field_reaches_the_admin_in_words():
    responses.post(
        USERS,
        status=400,
        content_type=SCIM_JSON,
        json=error(400, "name.formatted: this attribute is required", "invalidValue"),
    )
    with pytest.raises(PermanentError) as caught:
        ScimConnector.build(CREDENTIALS).create_account(
            NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
        )
    assert caught.value.message == (
        "The app refused the request (400). The app said: name.formatted: this attribute is "
        "required"
    )
    responses.replace(responses.POST, USERS, status=400, json=error(400, "", "invalidValue"))
    with pytest.raises(PermanentError) as caught:
        ScimConnector.build(CREDENTIALS).create_account(
            NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
        )
    assert "a value is missing, or not one it accepts" in caught.value.message


@responses.activate
def test_a_uniqueness_refusal_is_already_exists_whatever_its_status():
    responses.post(USERS, status=400, json=error(400, "userName taken", "uniqueness"))
    with pytest.raises(AlreadyExists):
        ScimConnector.build(CREDENTIALS).create_account(
            NewAccount(email="a@b.example", username="a", first_name="A", last_name="B")
        )


@responses.activate
def test_an_address_the_scim_schema_refuses_fails_the_job_at_once(vendor_app, member):
    member.email = "bob@intranet"  # valid to the console, not to SCIM's email type
    member.save()
    (job,) = queue_jobs(vendor_app, [AccountRequest(user=member)], trigger="test")
    assert engine.run_job(job.pk) == "failed"
    error_text = AppAccount.objects.get(user=member).last_error
    assert error_text.startswith("This account cannot be written as SCIM")
    assert "not a valid email address" in error_text and "bob@intranet" in error_text
    assert not [c for c in responses.calls if c.request.method == "POST"]
