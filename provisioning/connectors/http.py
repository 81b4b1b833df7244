"""The one HTTP helper every connector uses: timeouts, user agent, status codes mapped to the
error vocabulary, secrets redacted from logs and messages, and admin-typed URLs that point
into our own network refused (an SSRF door) unless CONNECTOR_ALLOW_PRIVATE_URLS is on.

The refusal holds where the connection is made: PinnedAdapter resolves the host once, checks
every address (IPv4 carried inside IPv6 forms too) and connects to a checked one, so a DNS
answer that changes between the check and the connection (rebinding) reaches nothing."""

import contextlib
import email.utils
import ipaddress
import logging
import socket
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import (
    AlreadyExists,
    AuthenticationError,
    NotFound,
    PermanentError,
    TransientError,
    UnsafeURL,
)

logger = logging.getLogger("provisioning.http")
USER_AGENT = "Bitium-Provisioning/1.0"
REDACTED = "[redacted]"


def redact(text, secrets):
    text = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


def check_url(url, allow_private=None, resolve=True):
    """Refuses URLs an admin could use to make us call our own network. Returns the addresses
    the host resolved to, every one of them checked (none when private URLs are allowed, or
    with resolve=False: then PinnedAdapter resolves and checks when it connects)."""
    if allow_private is None:
        allow_private = settings.CONNECTOR_ALLOW_PRIVATE_URLS
    parts, port = split_url(url)
    if allow_private:
        return []
    if parts.scheme != "https":
        raise UnsafeURL("The address must use https://, so credentials travel encrypted.")
    return public_addresses(parts.hostname, port) if resolve else []


def split_url(url):
    """(urlsplit's parts, the port) of a web address, or UnsafeURL saying what is wrong."""
    not_web = UnsafeURL(f"“{url}” is not a web address: it must start with https://.")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except (ValueError, TypeError) as error:  # "Invalid IPv6 URL", a netloc NFKC changes
        raise not_web from error
    if parts.scheme not in ("http", "https") or not hostname or "\x00" in hostname:
        raise not_web
    try:
        port = parts.port
    except ValueError as error:  # out of range, or not a number
        raise UnsafeURL(BAD_PORT.format(url=url)) from error
    if port == 0:
        raise UnsafeURL(BAD_PORT.format(url=url))
    return parts, port or (443 if parts.scheme == "https" else 80)


BAD_PORT = "The port in “{url}” is not valid: a port is a number from 1 to 65535."


# IPv6 ranges that carry an IPv4 address, and where it sits (RFC 6052, 3056, 4380, 4291).
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use, place varies
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(address):
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo):
    reaching the IPv6 address may reach them."""
    if address.version != 6:
        return []
    found = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address in IPV4_COMPATIBLE or address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)  # (server, client)
    return found


def is_public(address):
    """Globally routable, not multicast, and whatever IPv4 address it carries is too."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%")[0])
    if not address.is_global or address.is_multicast:
        return False
    if address.version == 6 and address in NAT64_LOCAL:
        return False
    return all(is_public(inner) for inner in embedded_ipv4(address))


def public_addresses(hostname, port):
    """Resolves the host once and checks every address: all must be public. Returns them, in
    the resolver's order, for the connection to use (never a second resolution)."""
    try:
        infos = socket.getaddrinfo(hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise TransientError(f"Could not find the host {hostname}.") from error
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not is_public(address):
            raise UnsafeURL(
                f"{hostname} resolves to {address}, a private, loopback, link-local or "
                "metadata address. Use the app's public address."
            )
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise TransientError(f"Could not find the host {hostname}.")
    return addresses


class PinnedAdapter(HTTPAdapter):
    """Connects to the address it checked, not to whatever a second DNS answer says (DNS
    rebinding): the host is resolved once, every address must be public, and urllib3 connects
    to one of those addresses while the Host header, TLS SNI and certificate verification keep
    the hostname. The next checked address is tried only when a connection could not be made
    (nothing was sent). With private URLs allowed (tests, the demo) it is requests' own."""

    def __init__(self, *args, allow_private=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private

    def pinning(self):
        allow = self.allow_private
        if allow is None:
            allow = settings.CONNECTOR_ALLOW_PRIVATE_URLS
        return not allow

    def send(self, request, *args, **kwargs):
        if not self.pinning():
            return super().send(request, *args, **kwargs)
        parts, port = split_url(request.url)
        addresses = public_addresses(parts.hostname, port)
        if "Host" not in request.headers:
            request.headers["Host"] = host_header(parts)
        for number, address in enumerate(addresses, start=1):
            request.pinned_address = address
            try:
                return super().send(request, *args, **kwargs)
            except requests.ConnectionError as error:
                if number == len(addresses) or not never_connected(error):
                    raise
            finally:
                del request.pinned_address

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        pinned = getattr(request, "pinned_address", None)
        if pinned is not None:
            hostname = host_params["host"]
            host_params["host"] = pinned  # one pool per (address, hostname): keep-alive holds
            if host_params["scheme"] == "https":
                pool_kwargs["server_hostname"] = hostname  # SNI
                pool_kwargs["assert_hostname"] = hostname  # the certificate must name it
        return host_params, pool_kwargs


def host_header(parts):
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def never_connected(error):
    """Did the request fail before a connection was made (so nothing was sent)?"""
    reason = getattr(error.args[0] if error.args else None, "reason", None)
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def parse_retry_after(value):
    """Seconds to wait, from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def rate_limit_wait(response):
    """Seconds to wait from Retry-After, or from X-RateLimit-Reset (epoch seconds)."""
    wait = parse_retry_after(response.headers.get("Retry-After"))
    if wait is None and response.headers.get("X-RateLimit-Reset", "").isdigit():
        wait = max(0.0, int(response.headers["X-RateLimit-Reset"]) - time.time())
    return wait


# RFC 7644 §3.12's scimType values, in words, for a SCIM error without a detail.
SCIM_TYPES = {
    "uniqueness": "a value that must be unique is already taken",
    "invalidValue": "a value is missing, or not one it accepts",
    "invalidSyntax": "it could not read the request",
    "invalidFilter": "it cannot apply this filter",
    "tooMany": "the answer would be too large",
    "mutability": "an attribute cannot be changed",
    "noTarget": "the path names nothing",
    "invalidPath": "the path is not valid",
    "invalidVers": "the version is not the current one",
    "sensitive": "the request carried data in its address that it refuses there",
}


def scim_type(response):
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("scimType") or "") if isinstance(body, dict) else ""


def vendor_detail(response):
    """What the vendor said went wrong, in a form an admin can read."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict) and not body.get("detail") and body.get("scimType") in SCIM_TYPES:
        return SCIM_TYPES[body["scimType"]]
    if isinstance(body, dict):
        said = [
            str(body[key])
            for key in ("detail", "message", "error_description", "error")
            if body.get(key)
        ][:1]
        errors = body.get("errors")  # GitHub and others itemize what failed
        if isinstance(errors, list):
            said += [str(e["message"]) for e in errors if isinstance(e, dict) and e.get("message")]
        details = body.get("details")  # Zendesk: {"email": [{"description": "..."}]}
        if isinstance(details, dict):
            said += [
                str(item["description"])
                for items in details.values()
                if isinstance(items, list)
                for item in items
                if isinstance(item, dict) and item.get("description")
            ]
        if said:
            return ": ".join(said)[:300]
    return str(body)[:200]


class AccessToken:
    """An OAuth access token, asked for on first use and again a minute before it expires.
    grant() makes the vendor's own token request and returns its JSON answer; each token
    joins the secrets the HTTP helper keeps out of logs and messages."""

    def __init__(self, http, grant):
        self.http, self.grant = http, grant
        self.token, self.expires = None, 0.0

    def __call__(self):
        if self.token is None or time.monotonic() > self.expires:
            answer = self.grant()
            self.token = answer["access_token"]
            self.http.secrets.append(self.token)
            self.expires = time.monotonic() + int(answer.get("expires_in", 3600)) - 60
        return self.token


class VendorHTTP:
    def __init__(self, *, secrets=(), timeout=None, session=None, allow_private=None):
        self.secrets = [s for s in secrets if s]
        self.timeout = timeout or (
            settings.CONNECTOR_CONNECT_TIMEOUT,
            settings.CONNECTOR_READ_TIMEOUT,
        )
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.allow_private = allow_private
        # The engine's budget.Pacer while a chunk of jobs runs: it spaces the requests by the
        # app's budget and notes each one (method, path, status, ms) for the provisioning log.
        self.pacer = None
        # Resolving and checking the host happens where the connection is made, once.
        for prefix in ("https://", "http://"):
            self.session.mount(prefix, PinnedAdapter(allow_private=allow_private))

    def request(self, method, url, **kwargs):
        check_url(url, self.allow_private, resolve=False)
        started = time.monotonic()
        try:
            path = redact(urlsplit(url).path, self.secrets)
            noted = self.pacer.request(method, path) if self.pacer else contextlib.nullcontext({})
            with noted as call:  # outside the engine nobody reads the note
                response = self.session.request(
                    method, url, timeout=self.timeout, allow_redirects=False, **kwargs
                )
                call["status"] = response.status_code
        except requests.Timeout as error:
            raise TransientError(
                f"The app did not answer within {self.timeout[1]} seconds."
            ) from error
        except requests.ConnectionError as error:
            host = urlsplit(url).hostname
            raise TransientError(f"Could not connect to {host}: the host is unreachable.") from (
                error
            )
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
        ) as error:
            raise UnsafeURL(
                f"“{redact(url, self.secrets)}” is not a valid web address: check it."
            ) from error
        except requests.RequestException as error:  # a broken answer (encoding, chunks)
            raise TransientError(
                f"The app's answer could not be read ({type(error).__name__})."
            ) from error
        logger.info(
            "%s %s -> %s in %d ms",
            method,
            redact(url, self.secrets),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        self.raise_for_status(response)
        return response

    def raise_for_status(self, response):
        status = response.status_code
        if status < 300:
            return
        detail = redact(vendor_detail(response), self.secrets)
        said = f" The app said: {detail}" if detail else ""
        if status == 401:
            raise AuthenticationError(
                f"The app rejected the credentials (401).{said}", status_code=status
            )
        if status == 403 and (
            response.headers.get("Retry-After")
            or response.headers.get("X-RateLimit-Remaining") == "0"
        ):  # GitHub, among others, answers a rate limit with 403 and these headers
            raise TransientError(
                "The app is rate limiting us (403).",
                retry_after=rate_limit_wait(response),
                status_code=status,
            )
        if status == 403:
            raise AuthenticationError(
                "The credentials were accepted but are not allowed to manage users (403): the "
                f"admin account must be allowed to add seats.{said}",
                status_code=status,
            )
        if status == 404:
            raise NotFound(f"Not found (404).{said}", status_code=status)
        if status == 409:
            raise AlreadyExists(f"The account already exists (409).{said}", status_code=status)
        if status == 429:
            raise TransientError(
                "The app is rate limiting us (429).",
                retry_after=rate_limit_wait(response),
                status_code=status,
            )
        if status >= 500:
            raise TransientError(f"The app had an error ({status}).{said}", status_code=status)
        if 300 <= status < 400:
            raise PermanentError(
                f"The app redirected us ({status}); check the address you gave.",
                status_code=status,
            )
        if status in (400, 422) and (
            "already" in detail.lower() or scim_type(response) == "uniqueness"
        ):
            # Many vendors say "already exists / in use / a member" with a 400 or 422.
            raise AlreadyExists(f"The account already exists ({status}).{said}", status_code=status)
        raise PermanentError(f"The app refused the request ({status}).{said}", status_code=status)
