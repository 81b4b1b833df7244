import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from .crypto import EncryptedJSONField
from .status import Status


class Connection(models.Model):
    """An app's link to its vendor: encrypted admin credentials and whether they work."""

    class State(models.TextChoices):
        NOT_CONFIGURED = "not_configured", "Not configured"
        CONNECTED = "connected", "Connected"
        BROKEN = "broken", "Connection failed"
        PAUSED = "paused", "Paused"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    app = models.OneToOneField(
        "apps_catalog.TenantApp", on_delete=models.CASCADE, related_name="connection"
    )
    credentials = EncryptedJSONField(blank=True, default=dict)
    state = models.CharField(max_length=20, choices=State.choices, default=State.NOT_CONFIGURED)
    state_message = models.CharField(max_length=500, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    server_info = models.JSONField(default=dict, blank=True)  # what the vendor says it supports
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the connector's default request budget."
    )
    next_slot_at = models.DateTimeField(default=timezone.now)  # the rate budget's clock
    # Its request clock: when the app's next request may go (budget.Pacer).
    next_call_at = models.DateTimeField(default=timezone.now)
    # Failed jobs that ended before this were in a digest to the admins (digests.py).
    failures_told_at = models.DateTimeField(default=timezone.now)
    # A 429's Retry-After pauses the whole app, not one job: running chunks stop at it.
    paused_until = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    def __str__(self):
        return f"{self.app_id}: {self.state}"


class AppAccount(models.Model):
    """The console's record of one account in one app."""

    class Origin(models.TextChoices):
        CREATED = "created", "Created by Bitium"
        LINKED = "linked", "Linked existing"
        DISCOVERED = "discovered", "Found in the app"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    app = models.ForeignKey(
        "apps_catalog.TenantApp", on_delete=models.CASCADE, related_name="accounts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="app_accounts",
    )
    remote_id = models.CharField(max_length=255, blank=True)
    username = models.CharField(max_length=255, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.CREATED)
    last_error = models.TextField(blank=True)
    # A temporary password the console set, kept (encrypted) until the user reveals it once.
    secrets = EncryptedJSONField(blank=True, default=dict)
    password_revealed_at = models.DateTimeField(null=True, blank=True)
    welcomed_at = models.DateTimeField(null=True, blank=True)  # the welcome email covered it
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    first_sign_in_at = models.DateTimeField(null=True, blank=True)
    # What the last reading of the app found different from this record: {"active": false,
    # "username": "...", "email": "..."}; empty when the app agrees.
    drift = models.JSONField(default=dict, blank=True)
    ignored_at = models.DateTimeField(null=True, blank=True)  # an app-only account set aside

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "user"],
                condition=Q(user__isnull=False),
                name="one_account_per_user_and_app",
            ),
            models.UniqueConstraint(
                fields=["app", "remote_id"],
                condition=~Q(remote_id=""),
                name="one_account_per_remote_id",
            ),
        ]
        indexes = [
            models.Index(fields=["app", "status"]),
            # The Users tab: a status's page in order, and the counts (index-only).
            models.Index(
                fields=["app", "status", "-updated_at", "user"], name="account_app_status_updated"
            ),
            models.Index(fields=["app", "-updated_at"], name="account_app_updated"),  # All
            models.Index(fields=["app", "user"], name="account_app_user"),  # only in the app
            models.Index(  # the sign-in refresh (upkeep.refresh_sign_ins)
                fields=["app"],
                condition=Q(status__in=["created", "invited"], user__isnull=False)
                & ~Q(remote_id=""),
                name="account_awaiting_sign_in",
            ),
        ]

    def __str__(self):
        return f"{self.email or self.username} in {self.app_id}"


class Job(models.Model):
    """One durable unit of work on an app account. The row, not the broker, is the truth."""

    class Action(models.TextChoices):
        CREATE = "create", "Create account"
        LINK = "link", "Link existing account"
        UPDATE = "update", "Update account"
        SUSPEND = "suspend", "Suspend account"
        REACTIVATE = "reactivate", "Reactivate account"
        DELETE = "delete", "Delete account"

    # Actions on an account the app has already: they never change who owns it.
    LIFECYCLE = {Action.UPDATE, Action.SUSPEND, Action.REACTIVATE, Action.DELETE}

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        HELD = "held", "Waiting for working credentials"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    account = models.ForeignKey(AppAccount, on_delete=models.CASCADE, related_name="jobs")
    app = models.ForeignKey("apps_catalog.TenantApp", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    options = models.JSONField(default=dict, blank=True)  # e.g. {"set_password": true}
    attempts = models.PositiveSmallIntegerField(default=0)  # vendor calls started
    not_before = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)  # a running job's claim
    slot_at = models.DateTimeField(null=True, blank=True)  # its reserved place in the rate budget
    # When the message sent for it comes due (its ETA, or when it was sent); None: none sent.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # "assign users", "group Sales", "operator", ... (written cut to TRIGGER_LENGTH)
    trigger = models.CharField(max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "not_before"]),
            models.Index(fields=["app", "state"]),
            models.Index(  # failures not yet told to the admins (digests.py)
                fields=["app", "finished_at"],
                condition=Q(state="failed"),
                name="job_failed_finished",
            ),
            # engine.claim: an account's earlier jobs still to run.
            models.Index(
                fields=["account", "created_at"],
                condition=Q(state__in=["queued", "running", "held"]),
                name="job_open_by_account",
            ),
            # upkeep.sweep: queued jobs whose message may be lost, running ones whose lease ran out.
            models.Index(
                fields=["enqueued_at", "not_before"],
                condition=Q(state="queued"),
                name="job_queued_enqueued",
            ),
            models.Index(
                fields=["lease_until"], condition=Q(state="running"), name="job_running_lease"
            ),
        ]

    def __str__(self):
        return f"{self.action} {self.account_id} ({self.state})"


class AccountEvent(models.Model):
    """Append-only history of an app account: every status change, who asked, what was sent
    (secrets redacted) and what the vendor answered. The provisioning log (log.py) lists
    them; `app`, `action` and `outcome` are columns because its filters are indexed queries.

    `detail` holds what the log shows beyond the message: "sent" (the request, no secret),
    "answer" (what the vendor returned), "attempt" (the job's vendor call it was), "status"
    (the HTTP status of the vendor's answer), "ms" (time spent in vendor requests) and
    "calls" ([{"method", "path", "status", "ms"}], each request the attempt made)."""

    class Action(models.TextChoices):
        # The jobs' actions, and what happens to an account without a job.
        CREATE = "create", "Create account"
        LINK = "link", "Link existing account"
        UPDATE = "update", "Update account"
        SUSPEND = "suspend", "Suspend account"
        REACTIVATE = "reactivate", "Reactivate account"
        DELETE = "delete", "Delete account"
        SIGN_IN = "sign_in", "First sign-in"

    class Outcome(models.TextChoices):
        QUEUED = "queued", "Queued"
        STARTED = "started", "Sent to the app"
        SUCCEEDED = "succeeded", "Succeeded"
        RETRYING = "retrying", "Will retry"
        HELD = "held", "Waiting for credentials"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        NOTED = "noted", "Noted"

    # Their own indexes would repeat the leading columns of event_log and event_account_created.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, db_index=False
    )
    account = models.ForeignKey(
        AppAccount, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    # The account's app, kept on the event: the app's log is one index range, not a join.
    app = models.ForeignKey(
        "apps_catalog.TenantApp", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.NOTED)
    # Whom it is about, as the account said when it was written (name, email, username):
    # what the log's search reads beside the message, through one trigram index
    # (event_log_search, PostgreSQL), without a join to the accounts and their people.
    who = models.TextField(blank=True)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["account", "created_at"], name="event_account_created"),
            # The provisioning log, newest first (keyset on created_at, id): the whole
            # organization, one app, one outcome, one action. A person's events come through
            # their accounts (event_account_created).
            models.Index(fields=["organization", "created_at", "id"], name="event_log"),
            models.Index(fields=["app", "created_at", "id"], name="event_log_app"),
            models.Index(
                fields=["organization", "outcome", "created_at", "id"], name="event_log_outcome"
            ),
            models.Index(
                fields=["organization", "action", "created_at", "id"], name="event_log_action"
            ),
        ]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("Account events are append-only.")
        if self.account_id is not None and (self.app_id is None or not self.who):
            self.app_id = self.app_id or self.account.app_id
            self.who = self.who or self.who_of(self.account)
        super().save(*args, **kwargs)

    @staticmethod
    def who_of(account):
        """What the search reads of the account: its name, email and username."""
        name = f"{account.first_name} {account.last_name}".strip()
        return " ".join(dict.fromkeys(w for w in (name, account.email, account.username) if w))


class AccountRead(models.Model):
    """One reading of an app's accounts for the mapping, with its progress (large apps are
    read in the background)."""

    class State(models.TextChoices):
        RUNNING = "running", "Reading"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    app = models.ForeignKey("apps_catalog.TenantApp", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=20, choices=State.choices, default=State.RUNNING)
    read_count = models.PositiveIntegerField(default=0)
    expected_count = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Accounts the app answered that could not be read whole: [{"id", "problem"}], the first
    # PROBLEMS_KEPT of problem_count.
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    PROBLEMS_KEPT = 20

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.app_id}: {self.read_count} ({self.state})"


class Assignment(models.Model):
    """A person assigned an app directly (Assign Users, a person's "Assign an app"). With the
    groups that carry the app, it is what should be; the app account is what is."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    app = models.ForeignKey(
        "apps_catalog.TenantApp", on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["app", "user"], name="one_assignment_per_user_and_app")
        ]

    def __str__(self):
        return f"{self.user_id} assigned {self.app_id}"


class Plan(models.Model):
    """What one admin action will do to app accounts, kept when it must wait for an admin's
    approval (it suspends or deletes more than the organization's threshold)."""

    class State(models.TextChoices):
        AWAITING = "awaiting", "Awaiting approval"
        APPROVED = "approved", "Approved and run"
        REJECTED = "rejected", "Rejected"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    title = models.CharField(max_length=300)
    trigger = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=State.choices, default=State.AWAITING)
    steps = models.JSONField(default=list)  # plans.Step as dicts
    counts = models.JSONField(default=dict)  # {"suspend": n, ...}
    reason = models.CharField(max_length=300, blank=True)  # why it waits
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "state"])]

    def __str__(self):
        return self.title


class ToDo(models.Model):
    """A step the app's API cannot take (HipChat cannot suspend): an admin does it in the
    app, then ticks it off here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    account = models.ForeignKey(AppAccount, on_delete=models.CASCADE, related_name="todos")
    action = models.CharField(max_length=20, choices=Job.Action.choices)
    note = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["organization", "done_at"])]

    def __str__(self):
        return self.note


class BackgroundAction(models.Model):
    """An admin action on many people (Done for thousands, a big group add, a big plan): one
    durable row with its progress. The worker runs it (background.py); the sweep restarts
    one whose worker died, and its steps skip what is done already."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    kind = models.CharField(max_length=40)  # a key of background.KINDS
    title = models.CharField(max_length=300)
    params = models.JSONField(default=dict)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)  # the outcome, in words
    back_url = models.CharField(max_length=300, blank=True)  # where the admin goes after
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "lease_until"])]

    def __str__(self):
        return self.title
