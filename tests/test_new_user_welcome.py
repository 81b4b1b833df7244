"""The new user's way in: one email, an activation link, the temporary password once,
My Apps, and the first sign-in that makes an account Active."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activation
from provisioning.models import AppAccount
from provisioning.services import AccountRequest, connect, queue_jobs
from provisioning.status import Status

from .conftest import SCIM_TOKEN, add_app, make_user, signed_in


@pytest.fixture
def two_apps(testco, scim_server, another_scim_server):
    """One app where the console sets a temporary password, one where it cannot."""
    made = []
    for name, passwords, server in (
        ("Wiki", "set", scim_server),
        ("Chat", "none", another_scim_server),
    ):
        app = add_app(testco, name=name)
        app.sign_in_url = f"https://{name.lower()}.vendor.example/login"
        app.save()
        assert connect(app, {"base_url": server.url, "token": SCIM_TOKEN, "passwords": passwords})[
            0
        ]
        made.append(app)
    return made


@pytest.fixture
def newcomer(testco):
    person = make_user(testco, "nina@testco.example", first="Nina", last="New")
    person.set_unusable_password()
    person.save()
    return person


@pytest.fixture
def provisioned(two_apps, newcomer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for app in two_apps:
            queue_jobs(app, [AccountRequest(user=newcomer)], trigger="test")
    return {a.app.name: a for a in AppAccount.objects.filter(user=newcomer).select_related("app")}


def link_in(message):
    return re.search(r"http://testserver(/activate/\S+/)", message.body).group(1)


def test_seats_created_together_produce_one_email_naming_the_apps(provisioned, newcomer):
    assert [a.status for a in provisioned.values()] == [Status.CREATED, Status.CREATED]
    (message,) = mail.outbox
    assert message.to == [newcomer.email]
    assert "TestCo set up 2 new apps for you" == message.subject
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert "Wiki" in text and "Chat" in text and "/activate/" in text
    assert "a temporary password is waiting for you in Bitium" in message.body
    assert "will email you to set your password" in message.body


def test_no_email_ever_contains_a_password(provisioned):
    password = provisioned["Wiki"].secrets["temporary_password"]
    assert provisioned["Chat"].secrets == {}
    for message in mail.outbox:
        assert password not in message.body
        assert all(password not in body for body, _ in message.alternatives)


def test_the_link_sets_the_password_then_reveals_once_and_opens_apps(client, provisioned, newcomer):
    url = link_in(mail.outbox[0])
    page = client.get(url).content.decode()
    assert "Choose the password you will use to sign in to Bitium" in page
    response = client.post(
        url, {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"}
    )
    assert response.url == reverse("my_apps")
    newcomer.refresh_from_db()
    assert newcomer.check_password("a long new passphrase")

    my_apps = client.get(reverse("my_apps")).content.decode()
    assert "Reveal temporary password" in my_apps
    assert "will email you to set your own password" in my_apps
    wiki = provisioned["Wiki"]
    password = wiki.secrets["temporary_password"]
    reveal = reverse("reveal_password", kwargs={"account_id": wiki.pk})
    assert password in client.post(reveal).content.decode()
    wiki.refresh_from_db()
    assert wiki.secrets == {} and wiki.password_revealed_at
    again = client.post(reveal, follow=True).content.decode()
    assert password not in again and "shown once already" in again

    for account in provisioned.values():
        response = client.get(reverse("open_app", kwargs={"account_id": account.pk}))
        assert response.url == account.app.sign_in_url
        account.refresh_from_db()
        assert account.status == Status.ACTIVE and account.first_sign_in_at


def test_the_admin_sees_the_accounts_active_after_the_first_sign_in(
    client, provisioned, newcomer, as_admin
):
    client.force_login(newcomer, backend="accounts.backends.EmailBackend")
    for account in provisioned.values():
        client.get(reverse("open_app", kwargs={"account_id": account.pk}))
        users_tab = as_admin.get(reverse("app_users", kwargs={"app_id": account.app_id}))
        row = users_tab.content.decode().split("Nina New")[1].split("</tr>")[0]
        assert ">Active<" in row


def test_a_used_link_says_so_and_offers_a_new_one(client, provisioned):
    url = link_in(mail.outbox[0])
    client.post(
        url, {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"}
    )
    client.post(reverse("logout"))
    page = client.get(url)
    assert page.status_code == 410
    assert "was used already" in page.content.decode()
    assert "Send me a new link" in page.content.decode()


def test_an_expired_link_says_so(client, provisioned, settings):
    url = link_in(mail.outbox[0])
    settings.ACTIVATION_TIMEOUT = -1
    assert "has expired" in client.get(url).content.decode()


def test_a_tampered_link_says_so(client, provisioned):
    url = link_in(mail.outbox[0])
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    assert "is not valid" in client.get(tampered).content.decode()


def test_resend_sends_a_fresh_link_without_saying_who_exists(
    client, provisioned, newcomer, committed
):
    mail.outbox.clear()
    with committed():
        client.post(reverse("resend_activation"), {"email": "NINA@testco.example"})
        client.post(reverse("resend_activation"), {"email": "nobody@testco.example"})
    (message,) = mail.outbox
    assert message.to == [newcomer.email] and "/activate/" in message.body
    assert Activation.objects.filter(user=newcomer).count() == 2


def test_a_member_cannot_reach_another_users_accounts_or_activation(provisioned, member):
    as_member = signed_in(member)
    wiki = provisioned["Wiki"]
    assert (
        as_member.post(reverse("reveal_password", kwargs={"account_id": wiki.pk})).status_code
        == 404
    )
    assert as_member.get(reverse("open_app", kwargs={"account_id": wiki.pk})).status_code == 404
    response = as_member.get(link_in(mail.outbox[0]))
    assert response.status_code == 403 and "This link is for someone else" in (
        response.content.decode()
    )
    wiki.refresh_from_db()
    assert wiki.secrets  # still there for its owner


def test_a_person_with_a_password_signs_in_instead(
    client, testco, two_apps, django_capture_on_commit_callbacks
):
    veteran = make_user(testco, "vera@testco.example", first="Vera")  # has a password
    with django_capture_on_commit_callbacks(execute=True):
        queue_jobs(two_apps[0], [AccountRequest(user=veteran)], trigger="test")
    response = client.get(link_in(mail.outbox[0]))
    assert response.url == f"{reverse('login')}?next={reverse('my_apps')}"


def test_the_email_waits_for_sibling_seats_still_in_flight(newcomer, two_apps, committed):
    from provisioning import welcome

    done = AppAccount.objects.create(
        organization=newcomer.organization,
        app=two_apps[0],
        user=newcomer,
        email=newcomer.email,
        status=Status.CREATED,
    )
    AppAccount.objects.create(
        organization=newcomer.organization,
        app=two_apps[1],
        user=newcomer,
        email=newcomer.email,
        status=Status.PROVISIONING,
    )
    assert welcome.send_welcomes([newcomer.pk]) == [newcomer.pk] and mail.outbox == []
    AppAccount.objects.filter(status=Status.PROVISIONING).update(
        created_at=timezone.now() - timedelta(hours=1)
    )  # stuck: don't hold the email forever
    with committed():
        assert welcome.send_welcomes([newcomer.pk]) == []
    done.refresh_from_db()
    assert done.welcomed_at and len(mail.outbox) == 1


def test_a_connector_that_reports_sign_ins_makes_accounts_active(testco, member, monkeypatch):
    """The mechanism every reporting connector uses (GitHub's accepted invitations, say)."""
    from provisioning import upkeep
    from provisioning.connectors import registry
    from provisioning.connectors.base import Capabilities, Connector
    from provisioning.models import Connection

    class Reporting(Connector):
        capabilities = Capabilities(reports_sign_in=True)

        def signed_in(self, remote_ids):
            assert sorted(remote_ids) == ["r-1", "r-2"]
            return {"r-1"}

    monkeypatch.setattr(registry, "connector_class", lambda key: Reporting)
    monkeypatch.setattr("provisioning.services.connector_class", lambda key: Reporting)
    app = add_app(testco)
    Connection.objects.create(organization=testco, app=app, state=Connection.State.CONNECTED)
    other = make_user(testco, "other@testco.example")
    used, waiting = (
        AppAccount.objects.create(
            organization=testco,
            app=app,
            user=person,
            remote_id=rid,
            email=person.email,
            status=Status.INVITED,
        )
        for person, rid in ((member, "r-1"), (other, "r-2"))
    )
    assert upkeep.refresh_sign_ins() == 1
    used.refresh_from_db()
    waiting.refresh_from_db()
    assert used.status == Status.ACTIVE and used.first_sign_in_at
    assert waiting.status == Status.INVITED
    assert used.events.last().message == "The app reports the first sign-in."
