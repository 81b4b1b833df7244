"""The new user's email: one per batch of new seats, naming the organization and the apps,
with an activation link. Never a password: temporary passwords are revealed once in the
console."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.activation import activation_urls
from notifications.services import queue_emails

from .models import AppAccount
from .status import IN_FLIGHT, Status

NEW = [Status.CREATED, Status.INVITED]
MAX_WAIT = timedelta(minutes=10)  # a sibling seat still failing does not hold the email longer
OVERDUE_AFTER = timedelta(seconds=30)  # past WELCOME_DELAY_SECONDS, the sweep sends it


def schedule(organization_id, user_ids):
    """After new seats succeed: each person's email goes out once their batch has settled."""
    from .services import send_task
    from .tasks import send_welcomes

    user_ids = list(dict.fromkeys(str(user_id) for user_id in user_ids))
    if user_ids:
        transaction.on_commit(
            lambda: send_task(
                send_welcomes,
                (str(organization_id), user_ids),
                countdown=settings.WELCOME_DELAY_SECONDS,
            )
        )


def due_welcomes(now):
    """{organization id: [person ids]} whose welcome is overdue: a new seat not announced a
    while after its success (the message that should have sent it was lost)."""
    overdue = now - timedelta(seconds=settings.WELCOME_DELAY_SECONDS) - OVERDUE_AFTER
    rows = (
        AppAccount.objects.filter(
            welcomed_at__isnull=True,
            status__in=NEW,
            origin=AppAccount.Origin.CREATED,
            user__isnull=False,
            updated_at__lt=overdue,
        )
        .order_by()
        .values_list("organization_id", "user_id")
        .distinct()[:5000]
    )
    due = {}
    for organization_id, user_id in rows:
        due.setdefault(str(organization_id), []).append(str(user_id))
    return due


def send_welcomes(user_ids):
    """Sends each person one email naming every new seat not announced yet. Returns the
    people to try again later: they have seats still being provisioned."""
    now = timezone.now()
    waiting = {
        str(user_id)
        for user_id in AppAccount.objects.filter(
            user_id__in=user_ids, status__in=IN_FLIGHT, created_at__gt=now - MAX_WAIT
        ).values_list("user_id", flat=True)
    }
    with transaction.atomic():
        accounts = list(
            AppAccount.objects.select_for_update(of=("self",))
            .filter(
                user_id__in=[user_id for user_id in user_ids if str(user_id) not in waiting],
                welcomed_at__isnull=True,
                status__in=NEW,
                origin=AppAccount.Origin.CREATED,
            )
            .select_related("app__catalog_app", "user__organization")
        )
        AppAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(welcomed_at=now)
        seats = {}
        for account in accounts:
            seats.setdefault(account.user, []).append(account)
        people = list(seats)
        messages = [
            (
                [person.email],
                {
                    "person": person,
                    "organization": person.organization,
                    "accounts": seats[person],
                    "url": url,
                },
            )
            for person, url in zip(people, activation_urls(people), strict=True)
        ]
        if messages:
            queue_emails(
                messages,
                "provisioning/email/welcome_subject.txt",
                "provisioning/email/welcome.txt",
                "provisioning/email/welcome.html",
                organization_id=people[0].organization_id,
            )
    return [user_id for user_id in user_ids if str(user_id) in waiting]
