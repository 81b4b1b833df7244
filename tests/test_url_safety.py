"""Admin-typed vendor URLs may not reach into our own network (an SSRF door)."""

import socket

import pytest

from provisioning.connectors.errors import UnsafeURL
from provisioning.connectors.http import check_url
from provisioning.connectors.scim import ScimConnector


@pytest.fixture
def production(settings):
    settings.CONNECTOR_ALLOW_PRIVATE_URLS = False


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.8/scim/v2",  # private
        "https://192.168.1.20/scim/v2",  # private
        "https://172.16.5.4/scim/v2",  # private
        "https://127.0.0.1:8443/scim/v2",  # loopback
        "https://localhost/scim/v2",  # loopback by name
        "https://[::1]/scim/v2",  # IPv6 loopback
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata, link-local
        "https://[fe80::1]/scim/v2",  # IPv6 link-local
        "https://0.0.0.0/scim/v2",  # unspecified
        "https://[fd00::5]/scim/v2",  # IPv6 unique local
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(production, url):
    with pytest.raises(UnsafeURL) as caught:
        check_url(url)
    assert "Use the app's public address." in caught.value.message


def test_a_name_that_resolves_to_a_private_address_is_refused(production, monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))],
    )
    with pytest.raises(UnsafeURL) as caught:
        check_url("https://scim.innocent.example/v2")
    assert "scim.innocent.example resolves to 10.1.2.3" in caught.value.message


def test_a_public_address_is_allowed(production, monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))],
    )
    check_url("https://scim.vendor.example/v2")


@pytest.mark.parametrize(
    "url", ["http://scim.vendor.example/v2", "ftp://x.example/", "file:///etc/passwd", "not a url"]
)
def test_plain_http_and_other_schemes_are_refused(production, url):
    with pytest.raises(UnsafeURL):
        check_url(url)


def test_the_connection_test_refuses_before_sending_anything(production):
    scim = ScimConnector.build({"base_url": "https://169.254.169.254/v2", "token": "t"})
    with pytest.raises(UnsafeURL):
        scim.test_connection()


def test_one_setting_allows_local_addresses_for_demos_and_tests(settings):
    settings.CONNECTOR_ALLOW_PRIVATE_URLS = True
    check_url("http://127.0.0.1:8001/v2")
