"""Request Auto-Provisioning: a Contact Us form that stores the request and emails support."""

from django.core import mail
from django.urls import reverse

from apps_catalog.models import SupportRequest

from .conftest import add_app


def test_an_app_without_support_offers_the_request(as_admin, testco):
    dropbox = add_app(testco, "dropbox", "Dropbox")
    page = as_admin.get(reverse("app_detail", kwargs={"app_id": dropbox.pk})).content.decode()
    assert "Request Auto-Provisioning" in page
    form = as_admin.get(reverse("request_auto_provisioning"), {"app": "Dropbox"}).content.decode()
    assert 'value="Dropbox"' in form


def test_the_request_is_stored_emailed_and_listed_with_its_state(
    as_admin, admin, settings, committed
):
    settings.SUPPORT_EMAIL = "support@bitium.example"
    with committed():
        response = as_admin.post(
            reverse("request_auto_provisioning"),
            {"app_name": "Dropbox", "app_url": "https://www.dropbox.com", "note": "40 seats"},
        )
    assert response.url == reverse("support_requests")
    stored = SupportRequest.objects.get()
    assert (stored.app_name, stored.requested_by, stored.state) == ("Dropbox", admin, "received")
    (message,) = mail.outbox
    assert message.to == ["support@bitium.example"]
    assert "Dropbox" in message.subject and "40 seats" in message.body
    page = as_admin.get(reverse("support_requests")).content.decode()
    assert "Dropbox" in page and "Received" in page


def test_bad_input_is_answered_with_form_errors(as_admin):
    response = as_admin.post(
        reverse("request_auto_provisioning"),
        {"app_name": "", "app_url": "not a url", "note": "x" * 3000},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page and "Enter a valid URL." in page
    assert not SupportRequest.objects.exists()


def test_other_organizations_requests_are_not_listed(as_admin, as_other_admin):
    as_other_admin.post(
        reverse("request_auto_provisioning"),
        {"app_name": "Secret App", "app_url": "https://secret.example"},
    )
    assert "Secret App" not in as_admin.get(reverse("support_requests")).content.decode()
