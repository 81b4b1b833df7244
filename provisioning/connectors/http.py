"""The one HTTP helper every connector uses: timeouts, user agent, status codes mapped to the
error vocabulary, secrets redacted from logs and messages, and admin-typed URLs that point
into our own network refused (an SSRF door) unless CONNECTOR_ALLOW_PRIVATE_URLS is on."""

import email.utils
import ipaddress
import logging
import socket
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings

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


def check_url(url, allow_private=None):
    """Refuses URLs an admin could use to make us call our own network."""
    if allow_private is None:
        allow_private = settings.CONNECTOR_ALLOW_PRIVATE_URLS
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(f"“{url}” is not a web address: it must start with https://.")
    if allow_private:
        return
    if parts.scheme != "https":
        raise UnsafeURL("The address must use https://, so credentials travel encrypted.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise TransientError(f"Could not find the host {parts.hostname}.") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise UnsafeURL(
                f"{parts.hostname} resolves to {address}, a private, loopback, link-local or "
                "metadata address. Use the app's public address."
            )


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

    def request(self, method, url, **kwargs):
        check_url(url, self.allow_private)
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except requests.Timeout as error:
            raise TransientError(
                f"The app did not answer within {self.timeout[1]} seconds."
            ) from error
        except requests.ConnectionError as error:
            host = urlsplit(url).hostname
            raise TransientError(f"Could not connect to {host}: the host is unreachable.") from (
                error
            )
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
