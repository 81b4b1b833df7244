"""The vendor HTTP helper connects to the address it checked (no DNS rebinding): the host is
resolved once, every address must be public, and urllib3 connects to a checked address while
the Host header, TLS SNI and certificate verification keep the hostname."""

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provisioning.connectors.errors import TransientError, UnsafeURL
from provisioning.connectors.http import PinnedAdapter, VendorHTTP

PUBLIC, OTHER_PUBLIC = "93.184.216.34", "93.184.216.35"
HOST = "scim.vendor.example"
real_getaddrinfo = socket.getaddrinfo
real_connect = socket.socket.connect


@pytest.fixture(autouse=True)
def production(settings):
    settings.CONNECTOR_ALLOW_PRIVATE_URLS = False


def answer(address, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
    return (family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)


class Resolver:
    """A DNS that gives the next of its answers for our hostnames each time it is asked;
    IP literals (what urllib3 resolves once pinned) resolve to themselves, as they do."""

    def __init__(self, *answers, names=(HOST,)):
        self.answers, self.names, self.asked = list(answers), names, []

    def __call__(self, host, port, *args, **kwargs):
        if host not in self.names:
            return real_getaddrinfo(host, port, *args, **kwargs)
        self.asked.append(host)
        addresses = self.answers[min(len(self.asked), len(self.answers)) - 1]
        return [answer(address, int(port)) for address in addresses]


class Connections:
    """Records every TCP connection made (the socket's connect); sends those it is told to
    (the pretended public address) to a local server, and refuses the others."""

    def __init__(self, routes=None):
        self.made, self.routes = [], routes or {}

    def connect(self, sock, address):
        address = tuple(address[:2])
        self.made.append(address)
        if address in self.routes:
            return real_connect(sock, self.routes[address])
        raise ConnectionRefusedError(f"refused: {address}")


@pytest.fixture
def connections(monkeypatch):
    def install(resolver, routes=None):
        made = Connections(routes)
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        monkeypatch.setattr(socket.socket, "connect", lambda sock, to: made.connect(sock, to))
        return made

    return install


def vendor_http():
    http = VendorHTTP(secrets=["t0ken-secret"], timeout=(2, 2))
    http.session.trust_env = False  # no proxy from the environment in the way
    return http


def test_a_rebinding_answer_never_gets_a_connection_to_127_0_0_1(connections):
    resolver = Resolver([PUBLIC], ["127.0.0.1"])  # public first, loopback from then on
    made = connections(resolver)
    with pytest.raises(TransientError, match="unreachable"):
        vendor_http().request("GET", f"https://{HOST}/v2/Users")
    assert made.made == [(PUBLIC, 443)]  # the checked address, and only it
    assert resolver.asked == [HOST]  # resolved once: no second answer to follow


def test_each_request_resolves_again_and_refuses_a_private_answer_before_connecting(
    connections,
):
    resolver = Resolver([PUBLIC], ["127.0.0.1"])
    made = connections(resolver)
    http = vendor_http()
    with pytest.raises(TransientError):
        http.request("GET", f"https://{HOST}/v2/Users")
    with pytest.raises(UnsafeURL) as caught:
        http.request("GET", f"https://{HOST}/v2/Users")
    assert f"{HOST} resolves to 127.0.0.1" in caught.value.message
    assert "Use the app's public address." in caught.value.message
    assert made.made == [(PUBLIC, 443)]


def test_every_address_must_be_public(connections):
    made = connections(Resolver([PUBLIC, "10.0.0.7"]))
    with pytest.raises(UnsafeURL, match="resolves to 10.0.0.7"):
        vendor_http().request("GET", f"https://{HOST}/v2/Users")
    assert made.made == []


@pytest.mark.parametrize(
    "address", ["::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a00:1::1", "::10.0.0.1"]
)
def test_a_name_resolving_to_an_ipv6_form_of_a_private_ipv4_is_refused(connections, address):
    made = connections(Resolver([address]))
    with pytest.raises(UnsafeURL) as caught:
        vendor_http().request("GET", f"https://{HOST}/v2/Users")
    assert f"resolves to {ipaddress.ip_address(address)}, a private" in caught.value.message
    assert made.made == []


def test_the_next_checked_address_is_tried_when_one_cannot_be_reached(connections, tls_server):
    made = connections(Resolver([PUBLIC, OTHER_PUBLIC]), {(OTHER_PUBLIC, 443): tls_server.address})
    http = vendor_http()
    http.session.verify = tls_server.ca_file
    response = http.request("GET", f"https://{HOST}/v2/ServiceProviderConfig")
    assert response.json() == {"ok": True}
    assert made.made == [(PUBLIC, 443), (OTHER_PUBLIC, 443)]


def test_the_pinned_pool_connects_to_the_ip_with_the_hostname_for_sni_and_the_certificate():
    adapter = PinnedAdapter(allow_private=False)
    request = requests.Request("GET", f"https://{HOST}:8443/v2/Users").prepare()
    request.pinned_address = PUBLIC
    pool = adapter.get_connection_with_tls_context(request, verify=True)
    connection = pool._new_conn()  # made, not connected
    assert (connection.host, connection.port) == (PUBLIC, 8443)
    assert connection.server_hostname == HOST  # TLS SNI
    assert connection.assert_hostname == HOST  # the certificate must name the host
    assert pool.cert_reqs == "CERT_REQUIRED"


def test_with_private_urls_allowed_the_adapter_is_requests_own(settings):
    settings.CONNECTOR_ALLOW_PRIVATE_URLS = True
    assert not PinnedAdapter().pinning()
    adapter = PinnedAdapter()
    request = requests.Request("GET", "http://127.0.0.1:8001/v2").prepare()
    pool = adapter.get_connection_with_tls_context(request, verify=True)
    assert pool.host == "127.0.0.1"


# --- a normal https URL still works: a real TLS server, a certificate for the hostname ------


def certificate(tmp_path, name):
    """A test CA, and a server certificate for `name` it signed: (ca file, cert, key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key"
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return [str(f) for f in files]


@pytest.fixture
def tls_server(tmp_path):
    """An https server on localhost whose certificate names scim.vendor.example; it records
    the SNI and Host header of each request."""
    ca_file, cert_file, key_file = certificate(tmp_path, HOST)
    seen = {"sni": [], "host": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as vendors do

        def do_GET(self):
            seen["host"].append(self.headers["Host"])
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.address, server.ca_file, server.seen = server.server_address, ca_file, seen
    yield server
    server.shutdown()
    server.server_close()


def test_a_normal_https_url_works_through_the_pinned_address(connections, tls_server):
    resolver = Resolver([PUBLIC], ["127.0.0.1"])
    made = connections(resolver, {(PUBLIC, 443): tls_server.address})
    http = vendor_http()
    http.session.verify = tls_server.ca_file
    for _ in range(2):  # the second request: resolved and checked again, same pinned pool
        resolver.answers = [[PUBLIC]]
        response = http.request("GET", f"https://{HOST}/v2/ServiceProviderConfig")
        assert response.status_code == 200 and response.json() == {"ok": True}
    assert made.made == [(PUBLIC, 443)]  # one connection, kept alive
    assert tls_server.seen["sni"] == [HOST]  # the hostname, not the IP
    assert tls_server.seen["host"] == [HOST, HOST]
    assert response.url == f"https://{HOST}/v2/ServiceProviderConfig"


def test_the_certificate_is_still_checked_against_the_hostname(connections, tls_server):
    # The same server (its certificate names scim.vendor.example) reached as another name.
    made = connections(
        Resolver([PUBLIC], names=("other.vendor.example",)), {(PUBLIC, 443): tls_server.address}
    )
    http = vendor_http()
    http.session.verify = tls_server.ca_file
    with pytest.raises(TransientError):
        http.request("GET", "https://other.vendor.example/v2/Users")
    assert made.made == [(PUBLIC, 443)]
    assert tls_server.seen["host"] == []  # nothing was sent over the unverified connection


def test_a_port_in_the_url_is_kept_in_the_host_header(connections, tls_server):
    connections(Resolver([PUBLIC]), {(PUBLIC, 8443): tls_server.address})
    http = vendor_http()
    http.session.verify = tls_server.ca_file
    http.request("GET", f"https://{HOST}:8443/v2/Users")
    assert tls_server.seen["host"] == [f"{HOST}:8443"]
