"""Admin-typed vendor URLs may not reach into our own network (an SSRF door)."""

import socket

import pytest

from provisioning.connectors.errors import UnsafeURL
from provisioning.connectors.http import check_url, is_public
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


@pytest.mark.parametrize(
    "url",
    [
        "https://[64:ff9b::7f00:1]/scim/v2",  # NAT64 of 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # NAT64 of the metadata address
        "https://[2002:7f00:1::]/scim/v2",  # 6to4 of 127.0.0.1
        "https://[2002:a00:1::1]/scim/v2",  # 6to4 of 10.0.0.1
        "https://[::127.0.0.1]/scim/v2",  # IPv4-compatible
        "https://[::a9fe:a9fe]/scim/v2",  # IPv4-compatible, the metadata address
        "https://[::ffff:127.0.0.1]/scim/v2",  # IPv4-mapped
        "https://[::ffff:a9fe:a9fe]/scim/v2",  # IPv4-mapped, the metadata address
        "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/scim/v2",  # Teredo
        "https://[64:ff9b:1::a00:1]/scim/v2",  # local-use NAT64 (RFC 8215)
    ],
)
def test_ipv6_forms_carrying_a_private_ipv4_address_are_refused(production, url):
    with pytest.raises(UnsafeURL) as caught:
        check_url(url)
    assert "Use the app's public address." in caught.value.message


@pytest.mark.parametrize(
    "address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111", "93.184.216.34"]
)
def test_ipv6_forms_of_a_public_address_stay_public(address):
    assert is_public(address)


@pytest.mark.parametrize("allow_private", [False, True])
@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:99999/v2",
        "https://scim.vendor.example:65536/v2",
        "https://scim.vendor.example:0/v2",
        "https://scim.vendor.example:https/v2",
    ],
)
def test_a_port_out_of_range_is_answered_with_a_message(settings, allow_private, url):
    settings.CONNECTOR_ALLOW_PRIVATE_URLS = allow_private
    with pytest.raises(UnsafeURL) as caught:
        check_url(url)
    assert "a port is a number from 1 to 65535" in caught.value.message


@pytest.mark.parametrize("url", ["https://[::1/v2", "https://scim\x00.example/v2", "https:///v2"])
def test_addresses_that_cannot_be_read_are_refused(production, url):
    with pytest.raises(UnsafeURL) as caught:
        check_url(url)
    assert "is not a web address" in caught.value.message


def test_the_connection_test_answers_a_bad_port_in_words(settings):
    settings.CONNECTOR_ALLOW_PRIVATE_URLS = True  # the demo: it used to be a 500 here too
    scim = ScimConnector.build({"base_url": "https://127.0.0.1:99999/v2", "token": "t0ken"})
    with pytest.raises(UnsafeURL) as caught:
        scim.test_connection()
    assert "a port is a number from 1 to 65535" in caught.value.message
