"""Throttling: repeated failed sign-ins lock the account (and the client's address) for a
while, which ends by itself; password resets and "send me a new link" send a victim a few
emails at most, and one address cannot ask without end."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts import throttle
from accounts.models import User

from .conftest import PASSWORD, make_user

WRONG = "not the password"
LOCKED = "Too many failed sign-ins"
TOO_MANY_REQUESTS = "Too many requests from your network"


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0  # the start of a window of every length used here

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """A clock the tests move; the counts start and end empty (the cache is per process)."""
    clock = Clock()
    monkeypatch.setattr(throttle, "clock", clock)
    cache.clear()
    yield clock
    cache.clear()


def sign_in(client, email, password=PASSWORD, address="192.0.2.10"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client):
    return "_auth_user_id" in client.session


# --- sign-in ---------------------------------------------------------------------------------


def test_the_31st_attempt_with_the_right_password_is_refused_while_locked(client, admin):
    for _ in range(30):
        sign_in(client, admin.email, WRONG)
    response = sign_in(client, admin.email)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "Try again in 15 minutes" in response.content.decode()
    assert not signed_in(client)


def test_the_failure_that_locks_says_so_at_once(client, admin):
    for _ in range(9):
        assert sign_in(client, admin.email, WRONG).status_code == 200
    response = sign_in(client, admin.email, WRONG)
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_the_lockout_ends_by_itself(client, admin, clock):
    for _ in range(10):
        sign_in(client, admin.email, WRONG)
    clock.advance(14 * 60)
    response = sign_in(client, admin.email)
    assert response.status_code == 429 and "Try again in 1 minute" in response.content.decode()
    clock.advance(60)
    response = sign_in(client, admin.email)
    assert response.status_code == 302 and signed_in(client)


def test_the_lock_holds_from_any_address_and_in_any_case(client, admin):
    for number in range(10):
        sign_in(client, admin.email, WRONG, address=f"198.51.100.{number}")
    response = sign_in(client, "ADMIN@TestCo.example", address="203.0.113.99")
    assert response.status_code == 429 and not signed_in(client)


def test_a_successful_sign_in_clears_the_accounts_failures(client, admin):
    for _ in range(9):
        sign_in(client, admin.email, WRONG)
    assert sign_in(client, admin.email).status_code == 302
    client.post(reverse("logout"))
    for _ in range(9):
        sign_in(client, admin.email, WRONG)
    assert sign_in(client, admin.email).status_code == 302


def test_unknown_emails_are_locked_alike(client, db):
    for _ in range(10):
        sign_in(client, "nobody@nowhere.example", WRONG)
    response = sign_in(client, "nobody@nowhere.example", WRONG)
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_one_address_failing_across_accounts_is_locked(client, admin, testco, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS = 6
    for number in range(6):  # one failure for each: no account reaches its own limit
        sign_in(client, f"person{number}@testco.example", WRONG, address="203.0.113.7")
    response = sign_in(client, admin.email, address="203.0.113.7")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert sign_in(client, admin.email, address="198.51.100.2").status_code == 302


def test_an_ipv6_client_is_counted_by_its_64(client, admin, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS = 3
    for host in ("1", "2", "3"):
        sign_in(client, f"person{host}@testco.example", WRONG, address=f"2001:db8:1:2::{host}")
    assert sign_in(client, admin.email, address="2001:db8:1:2::ff").status_code == 429
    assert sign_in(client, admin.email, address="2001:db8:1:3::1").status_code == 302


def test_successful_sign_ins_do_not_count_against_a_shared_address(client, admin, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS = 3
    sign_in(client, "someone@testco.example", WRONG)
    sign_in(client, "someone.else@testco.example", WRONG)
    for _ in range(3):
        assert sign_in(client, admin.email).status_code == 302
        client.post(reverse("logout"))
    assert sign_in(client, admin.email).status_code == 302


def test_attempts_in_flight_count_before_their_passwords_are_checked(admin):
    for _ in range(10):  # ten attempts whose passwords are still being checked, say
        assert throttle.sign_in_attempt(admin.email, "192.0.2.1")
    assert not throttle.sign_in_attempt(admin.email, "192.0.2.1")
    assert throttle.sign_in_locked(admin.email) == 900


def test_behind_a_proxy_the_address_it_saw_is_counted(client, admin, settings):
    settings.THROTTLE_PROXY_HOPS = 1
    settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS = 3
    for number in range(3):  # the attacker writes what it likes left of the proxy's entry
        client.post(
            reverse("login"),
            {"username": f"person{number}@testco.example", "password": WRONG},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 203.0.113.7",
        )
    locked = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.9, 203.0.113.7"}
    other = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    credentials = {"username": admin.email, "password": PASSWORD}
    assert client.post(reverse("login"), credentials, **locked).status_code == 429
    assert client.post(reverse("login"), credentials, **other).status_code == 302


def test_the_lock_holds_on_djangos_admin_site_too(client, db):
    User.objects.create_superuser("ops@bitium.example", PASSWORD, first_name="O", last_name="P")
    for _ in range(10):
        sign_in(client, "ops@bitium.example", WRONG)
    client.post("/django-admin/login/", {"username": "ops@bitium.example", "password": PASSWORD})
    assert not signed_in(client)


def test_a_new_password_through_a_reset_link_ends_the_lock(client, admin, committed):
    for _ in range(10):
        sign_in(client, admin.email, WRONG)
    with committed():
        client.post(reverse("password_reset"), {"email": admin.email})
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "a fresh and long passphrase"
    client.post(set_url, {"new_password1": new, "new_password2": new})
    client.post(reverse("logout"))
    assert sign_in(client, admin.email, new).status_code == 302


# --- password reset --------------------------------------------------------------------------


def request_reset(client, email, address="192.0.2.20"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_twenty_reset_posts_send_the_victim_three_emails(client, admin, committed):
    with committed():
        answers = [
            request_reset(client, admin.email, address=f"198.51.100.{number}")
            for number in range(20)
        ]
    assert {answer.status_code for answer in answers} == {302}  # the same answer every time
    assert {answer.url for answer in answers} == {reverse("password_reset_done")}
    assert len(mail.outbox) == 3 and {m.to[0] for m in mail.outbox} == {admin.email}


def test_resets_go_out_again_in_the_next_window(client, admin, committed, clock):
    with committed():
        for _ in range(5):
            request_reset(client, admin.email)
    clock.advance(3600)
    with committed():
        request_reset(client, admin.email)
    assert len(mail.outbox) == 4


def test_one_address_asking_for_many_resets_is_told_to_wait(client, admin, committed, clock):
    with committed():
        for number in range(20):
            request_reset(client, f"person{number}@testco.example")
        refused = request_reset(client, admin.email)
    assert refused.status_code == 429
    assert TOO_MANY_REQUESTS in refused.content.decode()
    assert mail.outbox == []
    assert request_reset(client, admin.email, address="198.51.100.1").status_code == 302
    clock.advance(3600)
    assert request_reset(client, admin.email).status_code == 302


def test_reset_limits_follow_the_settings(client, admin, committed, settings):
    settings.LINK_REQUESTS_PER_RECIPIENT = 1
    with committed():
        for number in range(5):
            request_reset(client, admin.email, address=f"198.51.100.{number}")
    assert len(mail.outbox) == 1


# --- "send me a new link" --------------------------------------------------------------------


@pytest.fixture
def newcomer(testco):
    person = make_user(testco, "nina@testco.example", first="Nina", last="New")
    person.set_unusable_password()
    person.save()
    return person


def ask_for_a_new_link(client, email, address="192.0.2.30"):
    return client.post(reverse("resend_activation"), {"email": email}, REMOTE_ADDR=address)


def test_twenty_new_link_posts_send_the_newcomer_three_emails(client, newcomer, committed):
    with committed():
        answers = [
            ask_for_a_new_link(client, newcomer.email, address=f"198.51.100.{number}")
            for number in range(20)
        ]
    assert {answer.url for answer in answers} == {reverse("login")}
    assert len(mail.outbox) == 3 and {m.to[0] for m in mail.outbox} == {newcomer.email}


def test_one_address_asking_for_many_new_links_is_told_to_wait(client, newcomer, committed):
    with committed():
        for number in range(20):
            ask_for_a_new_link(client, f"person{number}@testco.example")
        refused = ask_for_a_new_link(client, newcomer.email)
    assert refused.url == reverse("login")
    assert TOO_MANY_REQUESTS in client.get(refused.url).content.decode()
    assert mail.outbox == []
    with committed():
        ask_for_a_new_link(client, newcomer.email, address="198.51.100.1")
    assert len(mail.outbox) == 1


# --- the limiter -----------------------------------------------------------------------------


def test_the_cache_holds_no_email_address(client, admin):
    from django.core.cache.backends.locmem import LocMemCache

    if not isinstance(cache._connections[cache._alias], LocMemCache):
        pytest.skip("reads the per-process memory cache's keys")
    sign_in(client, admin.email, WRONG)
    keys = list(cache._connections[cache._alias]._cache)
    assert keys and not any("testco" in key for key in keys)


def test_a_cache_that_fails_lets_people_in(client, admin, monkeypatch):
    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("the cache is down")

            return fail

    monkeypatch.setattr(throttle, "cache", Down())
    assert sign_in(client, admin.email, WRONG).status_code == 200
    assert sign_in(client, admin.email).status_code == 302
