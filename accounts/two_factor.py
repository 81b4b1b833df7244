"""Two-factor sign-in: TOTP (django-otp's TOTPDevice) plus single-use recovery codes
(accounts.models.RecoveryCodeDevice), with django-otp's OTPMiddleware, `otp_login()` and
`request.user.is_verified()`.

- Signing in: after the password, a person with a confirmed TOTP device is not signed in yet:
  the session holds a pending sign-in (PENDING_KEY, for PENDING_SECONDS) and the code step
  (views.sign_in_code) signs them in, verified, once a code or a recovery code is right.
- Any other way in (a password reset's sign-in, Django's admin site, tests' force_login)
  records in the session whether the person has a device (user_logged_in below): the
  middleware then sends an unverified session to the code step.
- An organization may require it for its admins (Organization.require_two_factor_for_admins):
  an admin without a device is sent to enrolment, one with a device but not verified to the
  code step; nothing else opens until then. Members are not affected.
- Wrong codes are throttled per person (accounts/throttle.py, code_*).
"""

import base64
import secrets
import time
from binascii import unhexlify

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from . import throttle
from .models import RecoveryCodeDevice

PENDING_KEY = "two_factor_pending"  # {"user": id, "backend": path, "next": url, "at": time}
PENDING_SECONDS = 300
HAS_DEVICE_KEY = "two_factor_has_device"
SETUP_KEY = "two_factor_setup_key"  # the secret being enrolled, until a code confirms it
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i

# What an unverified session may still open: the code step, enrolment, signing out.
CODE_STEP_PAGES = frozenset({"sign_in_code", "logout"})
ENROLMENT_PAGES = frozenset({"security", "security_setup", "logout"})


# --- devices ----------------------------------------------------------------------------------


def totp_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def required_for(user):
    """The organization requires a second factor of this person (an admin)."""
    return bool(
        user.is_authenticated
        and user.is_org_admin
        and user.organization.require_two_factor_for_admins
    )


def new_secret():
    return default_key()  # hex, 20 random bytes (django-otp's default)


def secret_base32(key_hex):
    """The secret as authenticator apps take it typed in: base32, no padding."""
    return base64.b32encode(unhexlify(key_hex)).decode().rstrip("=")


def setup_uri(user, key_hex):
    return TOTPDevice(user=user, key=key_hex).config_url  # otpauth://totp/... (OTP_TOTP_ISSUER)


def qr_data_uri(uri):
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def check_new_secret(key_hex, token):
    """The time step a code matches for a secret being enrolled, or None."""
    token = "".join(str(token).split())
    if not (token.isdigit() and len(token) == 6):
        return None
    totp = TOTP(unhexlify(key_hex), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    return totp.t() if totp.verify(int(token), tolerance=1) else None


def new_recovery_codes():
    def one():
        chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(12))
        return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"

    return [one() for _ in range(RECOVERY_CODE_COUNT)]


@transaction.atomic
def enrol(user, key_hex, last_t):
    """Confirms the secret as the person's TOTP device; returns (device, recovery codes)."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, name="Authenticator app", key=key_hex, confirmed=True, last_t=last_t
    )
    return device, regenerate_recovery_codes(user)


@transaction.atomic
def regenerate_recovery_codes(user):
    """New codes; the old ones stop working. Returns them in clear, to be shown once."""
    device, _ = RecoveryCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "Recovery codes", "confirmed": True}
    )
    codes = new_recovery_codes()
    device.set_codes(codes)
    return codes


def recovery_codes_left(user):
    device = RecoveryCodeDevice.objects.filter(user=user).first()
    return device.codes.count() if device else 0


@transaction.atomic
def disable(user):
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()


def throttled_check(user, check):
    """Runs check() (truthy for a right code) under the per-person throttle on codes:
    (its result, None) for a right code, (None, refusal) otherwise."""
    wait = throttle.code_locked(user.pk)
    if wait or not throttle.code_attempt(user.pk):
        return None, throttle.code_refusal(wait or throttle.code_locked(user.pk))
    result = check()
    if not result:
        throttle.code_failed(user.pk)
        wait = throttle.code_locked(user.pk)
        return None, throttle.code_refusal(wait) if wait else "That code is not right."
    throttle.code_succeeded(user.pk)
    return result, None


def is_refusal_throttled(user):
    return bool(throttle.code_locked(user.pk))


def verify(user, token, *, recovery=True):
    """(device, None) for a right code (TOTP, or a recovery code, used up); (None, refusal)
    otherwise."""

    def check():
        digits = "".join(str(token).split())
        with transaction.atomic():
            totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            totp = totp.first()
            if totp is not None and digits.isdigit():
                return totp if totp.verify_token(digits) else None
            if recovery:
                codes = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
                if codes is not None and codes.verify_token(token):
                    return codes
        return None

    return throttled_check(user, check)


# --- the pending sign-in (password right, code not asked yet) ----------------------------------


def begin(request, user, next_url):
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": str(user.pk),
        "backend": user.backend,
        "next": next_url,
        "at": time.time(),
    }


def pending(request):
    """The pending sign-in's (user, backend, next), or None when there is none (or it is too
    old: the password must be typed again)."""
    from django.contrib.auth import load_backend

    state = request.session.get(PENDING_KEY)
    if not state or time.time() - state.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = load_backend(state["backend"]).get_user(state["user"])
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return None
    return user, state["backend"], state["next"]


def _remember_device(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[HAS_DEVICE_KEY] = has_device(user)


user_logged_in.connect(_remember_device, dispatch_uid="accounts.two_factor.remember_device")


# --- enforcement ------------------------------------------------------------------------------


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware. A signed-in session that is not verified although
    the person has a device (recorded at sign-in), or although their organization requires
    it of admins, opens only the code step (or enrolment, without a device) and sign-out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        target = self.redirect_for(request)
        if target is not None:
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def redirect_for(request):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        required = required_for(user)
        if not required and not request.session.get(HAS_DEVICE_KEY):
            return None  # the common case: no query
        try:
            page = resolve(request.path_info).url_name
        except Resolver404:
            page = None
        if has_device(user):
            return None if page in CODE_STEP_PAGES else "sign_in_code"
        if not required:
            request.session[HAS_DEVICE_KEY] = False  # turned off since
            return None
        return None if page in ENROLMENT_PAGES else "security_setup"
