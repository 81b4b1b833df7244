"""Throttling of the doors anyone can knock on: sign-in, password reset and "send me a new
link". Counters live in Django's cache (`CACHES`, see README.md): a per-process memory cache
counts per process (each gunicorn worker keeps its own counts), a shared cache (Redis) counts
for them all.

- Sign-in (accounts.backends.EmailBackend, so Django's admin site too): failures are counted
  per account (the email typed, known or not, so the answer says nothing about who exists)
  and per client address. After SIGN_IN_MAX_FAILURES for one account, or
  SIGN_IN_MAX_FAILURES_PER_ADDRESS from one address, within SIGN_IN_LOCKOUT_SECONDS, signing
  in there is refused, the right password too, for SIGN_IN_LOCKOUT_SECONDS; then it ends by
  itself. An attempt is counted before its password is checked (attempts in parallel cannot
  slip past the limit) and taken back when it succeeds; a success also clears the account's
  failures, and a new password chosen through a reset link (which proves the mailbox) ends
  the account's lock.
- Two-factor codes (the sign-in's code step, confirming enrolment, turning it off): wrong
  codes are counted per person, apart from the password's failures (a correct password clears
  those, and must not reopen the guessing). After TWO_FACTOR_MAX_FAILURES within
  SIGN_IN_LOCKOUT_SECONDS every code is refused, a right one too, for SIGN_IN_LOCKOUT_SECONDS;
  a right code clears the count.
- Emailed links (password reset, a new activation link): at most LINK_REQUESTS_PER_RECIPIENT
  emails to one address, and LINK_REQUESTS_PER_ADDRESS requests from one client address, per
  LINK_REQUESTS_WINDOW_SECONDS, for each form. Over the recipient's limit the answer is the
  same as always and nothing is sent (the links sent already still work); over the address's
  limit the form says to try again later.

Windows are fixed (they start on multiples of their length), so a burst across a window's end
may reach twice a limit. The cache failing (Redis down) fails open: a warning, no limit.
"""

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("accounts.throttle")

clock = time.time  # tests set their own clock

DEFAULTS = {
    "SIGN_IN_MAX_FAILURES": 10,
    "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 50,
    "SIGN_IN_LOCKOUT_SECONDS": 900,
    "TWO_FACTOR_MAX_FAILURES": 5,
    "LINK_REQUESTS_PER_RECIPIENT": 3,
    "LINK_REQUESTS_PER_ADDRESS": 20,
    "LINK_REQUESTS_WINDOW_SECONDS": 3600,
    "THROTTLE_PROXY_HOPS": 0,
}


def setting(name):
    return getattr(settings, name, DEFAULTS[name])


def seen_address(request):
    """The address our first proxy saw (THROTTLE_PROXY_HOPS), or REMOTE_ADDR: as written."""
    address = request.META.get("REMOTE_ADDR") or ""
    hops = setting("THROTTLE_PROXY_HOPS")
    if hops > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [entry.strip() for entry in forwarded if entry.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return address


def client_address(request):
    """The address the request came from: IPv6 clients by their /64 (one host usually has a
    whole one). Behind reverse proxies every client would share the proxy's address: with
    THROTTLE_PROXY_HOPS = N (the proxies in front, each appending to X-Forwarded-For) it is
    the Nth address from the right of X-Forwarded-For, the one our own first proxy saw; the
    addresses left of it are the client's to write, so they are never trusted."""
    address = seen_address(request) or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _key(*parts):
    # Hashed: keys stay short and safe for any cache, and the cache holds no email addresses.
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"bitium:throttle:{digest}"


def _normal(ident):
    return str(ident).strip().lower()


@dataclass(frozen=True)
class Counter:
    """Counts events per identity (an email, an address) in fixed windows of `window` seconds
    (the names of settings, read on each use)."""

    name: str
    limit_setting: str
    window_setting: str

    @property
    def limit(self):
        return setting(self.limit_setting)

    @property
    def window(self):
        return setting(self.window_setting)

    def _bucket(self, ident):
        window = max(1, int(self.window))
        return _key(self.name, _normal(ident), str(int(clock() // window))), window

    def count(self, ident):
        key, _ = self._bucket(ident)
        try:
            return cache.get(key, 0)
        except Exception:
            logger.warning("The cache is unreachable: %s is not throttled.", self.name)
            return 0

    def hit(self, ident):
        """Counts one event; returns the count in this window so far (this one included)."""
        key, window = self._bucket(ident)
        try:
            cache.add(key, 0, timeout=window)
            try:
                return cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window)
                return 1
        except Exception:
            logger.warning("The cache is unreachable: %s is not throttled.", self.name)
            return 0

    def take_back(self, ident):
        """Uncounts one event counted by hit()."""
        try:
            cache.decr(self._bucket(ident)[0])
        except ValueError:  # gone already (a new window)
            pass
        except Exception:
            logger.warning("The cache is unreachable: %s was not counted back.", self.name)

    def over(self, ident):
        return self.count(ident) >= self.limit

    def clear(self, ident):
        try:
            cache.delete(self._bucket(ident)[0])
        except Exception:
            logger.warning("The cache is unreachable: %s was not cleared.", self.name)


@dataclass(frozen=True)
class Lock:
    """A lock per identity that ends by itself after `seconds` (a setting's name)."""

    name: str
    seconds_setting: str

    def _key(self, ident):
        return _key(self.name, _normal(ident))

    def lock(self, ident):
        seconds = max(1, int(setting(self.seconds_setting)))
        try:
            cache.set(self._key(ident), clock() + seconds, timeout=seconds)
        except Exception:
            logger.warning("The cache is unreachable: %s was not locked.", self.name)

    def remaining(self, ident):
        """Seconds until the lock ends; 0 when not locked."""
        try:
            until = cache.get(self._key(ident))
        except Exception:
            logger.warning("The cache is unreachable: %s is not throttled.", self.name)
            return 0
        return max(0.0, until - clock()) if until else 0

    def clear(self, ident):
        try:
            cache.delete(self._key(ident))
        except Exception:
            logger.warning("The cache is unreachable: %s was not cleared.", self.name)


def minutes(seconds):
    count = max(1, math.ceil(seconds / 60))
    return f"{count} minute{'s' if count != 1 else ''}"


# --- sign-in --------------------------------------------------------------------------------

ACCOUNT_FAILURES = Counter(
    "sign-in-failures-account", "SIGN_IN_MAX_FAILURES", "SIGN_IN_LOCKOUT_SECONDS"
)
ADDRESS_FAILURES = Counter(
    "sign-in-failures-address", "SIGN_IN_MAX_FAILURES_PER_ADDRESS", "SIGN_IN_LOCKOUT_SECONDS"
)
ACCOUNT_LOCK = Lock("sign-in-lock-account", "SIGN_IN_LOCKOUT_SECONDS")
ADDRESS_LOCK = Lock("sign-in-lock-address", "SIGN_IN_LOCKOUT_SECONDS")


def sign_in_locked(email, address=None):
    """Seconds until signing in as this email from this address (None: no request, so no
    address) is allowed again; 0: now."""
    return max(ACCOUNT_LOCK.remaining(email), ADDRESS_LOCK.remaining(address) if address else 0)


def sign_in_attempt(email, address=None):
    """Counts an attempt as a failure before the password is checked, so that attempts made
    in parallel cannot slip past the limit; False (and locked) when it is one too many."""
    allowed = True
    if ACCOUNT_FAILURES.hit(email) > ACCOUNT_FAILURES.limit:
        ACCOUNT_LOCK.lock(email)
        allowed = False
    if address and ADDRESS_FAILURES.hit(address) > ADDRESS_FAILURES.limit:
        ADDRESS_LOCK.lock(address)
        allowed = False
    return allowed


def sign_in_failed(email, address=None):
    """The attempt failed (it is counted already): locks what reached its limit. A lock lasts
    a whole window, so when it ends the count starts again from zero."""
    if ACCOUNT_FAILURES.count(email) >= ACCOUNT_FAILURES.limit:
        ACCOUNT_LOCK.lock(email)
        logger.warning("Sign-in locked for an account after repeated failures.")
    if address and ADDRESS_FAILURES.count(address) >= ADDRESS_FAILURES.limit:
        ADDRESS_LOCK.lock(address)
        logger.warning("Sign-in locked for %s after repeated failures.", address)


def sign_in_succeeded(email, address=None):
    """The attempt succeeded: the account's failures are forgotten, and the address's count
    takes this attempt back."""
    ACCOUNT_FAILURES.clear(email)
    if address:
        ADDRESS_FAILURES.take_back(address)


def sign_in_unlocked(email):
    """A new password chosen through a reset link: the account's lock and failures end."""
    ACCOUNT_LOCK.clear(email)
    ACCOUNT_FAILURES.clear(email)


def sign_in_refusal(seconds):
    return (
        f"Too many failed sign-ins. Try again in {minutes(seconds)}, "
        "or reset your password if you have forgotten it."
    )


# --- two-factor codes -------------------------------------------------------------------------

CODE_FAILURES = Counter(
    "two-factor-failures-account", "TWO_FACTOR_MAX_FAILURES", "SIGN_IN_LOCKOUT_SECONDS"
)
CODE_LOCK = Lock("two-factor-lock-account", "SIGN_IN_LOCKOUT_SECONDS")


def code_locked(user_id):
    """Seconds until this person may enter a code again; 0: now."""
    return CODE_LOCK.remaining(str(user_id))


def code_attempt(user_id):
    """Counts an attempt as a failure before the code is checked (parallel attempts cannot
    slip past the limit); False (and locked) when it is one too many."""
    if CODE_FAILURES.hit(str(user_id)) > CODE_FAILURES.limit:
        CODE_LOCK.lock(str(user_id))
        return False
    return True


def code_failed(user_id):
    if CODE_FAILURES.count(str(user_id)) >= CODE_FAILURES.limit:
        CODE_LOCK.lock(str(user_id))
        logger.warning("Two-factor codes locked for an account after repeated wrong codes.")


def code_succeeded(user_id):
    CODE_FAILURES.clear(str(user_id))


def code_refusal(seconds):
    return f"Too many wrong codes. Try again in {minutes(seconds)}."


# --- emailed links ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkRequests:
    """One form that emails a link: counted per client address and per recipient."""

    per_address: Counter
    per_recipient: Counter

    def address_refused(self, address):
        """Counts one request from this address; when it is one too many, the seconds until
        the address may ask again (else 0)."""
        if self.per_address.hit(address) <= self.per_address.limit:
            return 0
        window = max(1, int(self.per_address.window))
        return window - clock() % window

    def may_send_to(self, email):
        """Counts one request for this recipient; False when it is one too many."""
        return self.per_recipient.hit(email) <= self.per_recipient.limit


def _link_requests(name):
    return LinkRequests(
        Counter(f"{name}-address", "LINK_REQUESTS_PER_ADDRESS", "LINK_REQUESTS_WINDOW_SECONDS"),
        Counter(f"{name}-recipient", "LINK_REQUESTS_PER_RECIPIENT", "LINK_REQUESTS_WINDOW_SECONDS"),
    )


PASSWORD_RESET = _link_requests("password-reset")
NEW_ACTIVATION_LINK = _link_requests("new-activation-link")


def link_requests_refusal(seconds):
    return f"Too many requests from your network. Try again in {minutes(seconds)}."
