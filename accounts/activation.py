"""Activation links: signed (Django's signing), expiring after ACTIVATION_TIMEOUT, and good for
one use (the Activation row remembers it was used)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications.services import queue_email

from .models import Activation

SALT = "bitium.accounts.activation"


def activation_url(user):
    """A new link for this person, on the configured public URL."""
    return activation_urls([user])[0]


def activation_urls(users):
    """A new link for each of these people (one insert for them all)."""
    activations = Activation.objects.bulk_create(
        Activation(organization_id=user.organization_id, user=user) for user in users
    )
    return [
        settings.SITE_URL
        + reverse(
            "activate",
            kwargs={"token": signing.dumps({"a": str(a.pk)}, salt=SALT, compress=True)},
        )
        for a in activations
    ]


def send_new_link(person):
    """The "send me a new link" email: a fresh activation link, nothing else."""
    queue_email(
        [person.email],
        "accounts/email/activation_subject.txt",
        "accounts/email/activation.txt",
        "accounts/email/activation.html",
        {"person": person, "organization": person.organization, "url": activation_url(person)},
        organization_id=person.organization_id,
    )


def resolve(token):
    """(activation, problem): problem is None, "expired", "used" or "invalid"."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.ACTIVATION_TIMEOUT)
    except signing.SignatureExpired:
        return None, "expired"
    except signing.BadSignature:
        return None, "invalid"
    with scopes_disabled():
        activation = (
            Activation.objects.select_related("user__organization").filter(pk=data.get("a")).first()
        )
    if activation is None or not activation.user.is_active:
        return None, "invalid"
    if activation.used_at:
        return activation, "used"
    return activation, None


def use(activation):
    """Marks it used, once: False when another request used it first."""
    with scopes_disabled():
        return bool(
            Activation.objects.filter(pk=activation.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            )
        )
