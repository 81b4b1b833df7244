"""The new user's email: one per batch of new seats, naming the organization and the apps,
with an activation link. Never a password: temporary passwords are revealed once in the
console."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.activation import activation_url
from notifications.services import queue_email

from .models import AppAccount
from .status import IN_FLIGHT, Status

NEW = [Status.CREATED, Status.INVITED]
MAX_WAIT = timedelta(minutes=10)  # a sibling seat still failing does not hold the email longer


def schedule(account):
    """After a new seat succeeds: the user's email goes out once their batch has settled."""
    from .tasks import send_welcome

    organization_id, user_id = str(account.organization_id), str(account.user_id)
    transaction.on_commit(
        lambda: send_welcome.apply_async(
            (organization_id, user_id), countdown=settings.WELCOME_DELAY_SECONDS
        )
    )


def send_welcome(user_id):
    """Sends one email for every new seat not announced yet. Returns how many it named,
    or None when it should wait for seats still being provisioned."""
    now = timezone.now()
    pending = AppAccount.objects.filter(
        user_id=user_id, status__in=IN_FLIGHT, created_at__gt=now - MAX_WAIT
    )
    if pending.exists():
        return None
    with transaction.atomic():
        accounts = list(
            AppAccount.objects.select_for_update(of=("self",))
            .filter(
                user_id=user_id,
                welcomed_at__isnull=True,
                status__in=NEW,
                origin=AppAccount.Origin.CREATED,
            )
            .select_related("app__catalog_app", "user__organization")
        )
        if not accounts:
            return 0
        AppAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(welcomed_at=now)
        person = accounts[0].user
        context = {
            "person": person,
            "organization": person.organization,
            "accounts": accounts,
            "url": activation_url(person),
        }
        queue_email(
            [person.email],
            "provisioning/email/welcome_subject.txt",
            "provisioning/email/welcome.txt",
            "provisioning/email/welcome.html",
            context,
            organization_id=person.organization_id,
        )
    return len(accounts)
