import re

import pytest
from django.core import mail
from django.urls import reverse

from .conftest import make_user


@pytest.fixture
def request_reset(client, committed):
    def request(email, **extra):
        with committed():
            return client.post(reverse("password_reset"), {"email": email}, **extra)

    return request


def reset_link(message):
    return re.search(r"http://testserver(/password-reset/\S+/)", message.body).group(1)


def test_reset_email_carries_a_link_on_the_public_url_that_works_once(client, request_reset, admin):
    response = request_reset("ADMIN@testco.example")
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin.email]
    assert "TestCo" in message.subject
    link = reset_link(message)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    new_password = "a fresh and long passphrase"
    client.post(set_url, {"new_password1": new_password, "new_password2": new_password})
    admin.refresh_from_db()
    assert admin.check_password(new_password)
    client.post(reverse("logout"))
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_unknown_email_gets_the_same_answer_and_no_mail(request_reset):
    response = request_reset("nobody@nowhere.example")
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_person_an_admin_created_can_choose_a_first_password(client, request_reset, testco):
    person = make_user(testco, "new@testco.example")
    person.set_unusable_password()
    person.save()
    request_reset("new@testco.example")
    assert len(mail.outbox) == 1


def test_tampered_link_is_refused(client, request_reset, admin):
    request_reset(admin.email)
    link = reset_link(mail.outbox[0])
    tampered = link[:-3] + ("x" if link[-3] != "x" else "y") + link[-2:]
    page = client.get(tampered, follow=True).content.decode()
    assert "This link no longer works" in page


def test_links_ignore_the_requests_host_header(client, request_reset, admin):
    request_reset(admin.email, HTTP_HOST="localhost")
    assert "http://testserver/password-reset/" in mail.outbox[0].body
