"""The local demo's outbox holds links that sign people in: only a signed-in admin sees it, and
only their organization's mail. The demo serves on 127.0.0.1 unless told otherwise."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from notifications.backends import OutboxBackend
from notifications.models import Email, OutboxEmail
from notifications.sending import as_message

from .conftest import make_user, signed_in

OUTBOX = {"default": {"BACKEND": "notifications.backends.OutboxBackend"}}


@pytest.fixture(autouse=True)
def local_demo(settings):
    settings.DEBUG = True
    settings.MAILERS = OUTBOX
    cache.clear()  # throttling counts in the cache (accounts/throttle.py)
    yield
    cache.clear()


@pytest.fixture
def mail(testco, otherco):
    """One message kept for each organization, and one sent for none."""
    return {
        "testco": OutboxEmail.objects.create(
            organization_id=testco.pk, to="a@testco.example", subject="TestCo link", body="x"
        ),
        "otherco": OutboxEmail.objects.create(
            organization_id=otherco.pk, to="b@otherco.example", subject="OtherCo link", body="y"
        ),
        "nobody": OutboxEmail.objects.create(to="c@elsewhere.example", subject="Stray", body="z"),
    }


def detail(message):
    return reverse("outbox_email", kwargs={"email_id": message.pk})


def test_anonymous_visitors_are_sent_to_sign_in(client, mail):
    for url in (reverse("outbox"), detail(mail["testco"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_members_are_refused(as_member, mail):
    for url in (reverse("outbox"), detail(mail["testco"])):
        response = as_member.get(url)
        assert response.status_code == 403
        assert "TestCo link" not in response.content.decode()


def test_the_admin_sees_only_their_organizations_mail(as_admin, mail):
    page = as_admin.get(reverse("outbox")).content.decode()
    assert "TestCo link" in page
    assert "OtherCo link" not in page and "Stray" not in page
    assert as_admin.get(detail(mail["testco"])).status_code == 200
    assert as_admin.get(detail(mail["otherco"])).status_code == 404
    assert as_admin.get(detail(mail["nobody"])).status_code == 404


def test_another_organizations_admin_gets_404_on_testcos_mail(as_other_admin, mail):
    page = as_other_admin.get(reverse("outbox")).content.decode()
    assert "OtherCo link" in page and "TestCo link" not in page
    assert as_other_admin.get(detail(mail["testco"])).status_code == 404
    assert as_other_admin.get(detail(mail["otherco"])).status_code == 200


def test_the_outbox_is_off_outside_the_local_demo_even_for_admins(as_admin, mail, settings):
    settings.DEBUG = False
    assert as_admin.get(reverse("outbox")).status_code == 404
    assert as_admin.get(detail(mail["testco"])).status_code == 404


def test_the_issues_attack_no_longer_works(client, admin, member, committed):
    """An anonymous reset for the admin lands in TestCo's outbox, which only TestCo's
    admins read: neither the visitor nor a member gets the link."""
    with committed():
        client.post(reverse("password_reset"), {"email": "admin@testco.example"})
    kept = OutboxEmail.objects.get()
    assert kept.organization_id == admin.organization_id
    link = re.search(r"http://testserver(/password-reset/\S+/)", kept.body).group(1)
    for response in (client.get(reverse("outbox")), client.get(detail(kept))):
        assert response.status_code == 302 and link not in response.content.decode()
    assert signed_in(member).get(detail(kept)).status_code == 403
    assert link in signed_in(admin).get(detail(kept)).content.decode()


def test_every_email_carries_its_organization_into_the_outbox(testco, otherco):
    sent = [
        Email(organization_id=testco.pk, to="a@testco.example", subject="one", body="1"),
        Email(organization_id=otherco.pk, to="b@otherco.example", subject="two", body="2"),
        Email(to="c@elsewhere.example", subject="three", body="3"),
    ]
    with OutboxBackend() as connection:
        for email in sent:
            connection.send_messages([as_message(email)])
    kept = dict(OutboxEmail.objects.values_list("subject", "organization_id"))
    assert kept == {"one": testco.pk, "two": otherco.pk, "three": None}


def test_the_organization_never_travels_with_real_mail(testco):
    message = as_message(Email(organization_id=testco.pk, to="a@testco.example", subject="s"))
    assert str(testco.pk) not in message.message().as_string()


def test_activation_and_support_mail_reach_the_right_admins(
    client, as_other_admin, testco, otherco, committed, settings
):
    settings.SUPPORT_EMAIL = "support@bitium.example"
    newcomer = make_user(testco, "nina@testco.example", first="Nina")
    newcomer.set_unusable_password()
    newcomer.save()
    with committed():
        client.post(reverse("resend_activation"), {"email": "nina@testco.example"})
        as_other_admin.post(
            reverse("request_auto_provisioning"),
            {"app_name": "Dropbox", "app_url": "https://www.dropbox.com", "note": "40 seats"},
        )
    kept = dict(OutboxEmail.objects.values_list("to", "organization_id"))
    assert kept == {"nina@testco.example": testco.pk, "support@bitium.example": otherco.pk}


@pytest.mark.parametrize(
    "environment, bound", [({}, "127.0.0.1:8123"), ({"DEMO_BIND": "0.0.0.0"}, "0.0.0.0:8123")]
)
def test_the_demo_serves_on_127_0_0_1_unless_told_otherwise(monkeypatch, environment, bound):
    from bitium.management.commands import run_demo

    monkeypatch.delenv("DEMO_BIND", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("bitium.demo.demo_scim_token", lambda: "token")
    started = []

    class Stop(Exception):
        pass

    def popen(command, **kwargs):
        started.append(command)
        if "runserver" in command:
            raise Stop

    monkeypatch.setattr(run_demo.subprocess, "Popen", popen)
    with pytest.raises(Stop):
        run_demo.Command().handle(port=8123)
    assert started[-1][-1] == bound
