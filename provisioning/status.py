"""The app account status machine: every allowed move is in TRANSITIONS, nowhere else.

pending ─▶ provisioning ─▶ created | invited ─▶ active ◀─▶ suspended ─▶ deprovisioned
   │             │                 │                               ▲
   └─────────────┴──▶ failed ──────┘ (Retry puts it back to pending)
Created, invited and active accounts can be suspended or deprovisioned (deleted); a
suspended one reactivated. A seat cancelled before it was created is deprovisioned, and a
deprovisioned or failed one assigned again goes back to pending.
"""

from django.db import models


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    PROVISIONING = "provisioning", "Provisioning"
    CREATED = "created", "Created"
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"
    FAILED = "failed", "Failed"
    SUSPENDED = "suspended", "Suspended"
    DEPROVISIONED = "deprovisioned", "Deprovisioned"


TRANSITIONS = {
    Status.PENDING: {Status.PROVISIONING, Status.ACTIVE, Status.FAILED, Status.DEPROVISIONED},
    Status.PROVISIONING: {
        Status.PENDING,
        Status.CREATED,
        Status.INVITED,
        Status.ACTIVE,
        Status.FAILED,
    },
    Status.CREATED: {Status.ACTIVE, Status.SUSPENDED, Status.DEPROVISIONED},
    Status.INVITED: {Status.ACTIVE, Status.SUSPENDED, Status.DEPROVISIONED},
    Status.ACTIVE: {Status.SUSPENDED, Status.DEPROVISIONED},
    Status.FAILED: {Status.PENDING, Status.PROVISIONING},
    Status.SUSPENDED: {Status.ACTIVE, Status.DEPROVISIONED},
    Status.DEPROVISIONED: {Status.PENDING},
}

# The states in which the console still has work to do for the account.
IN_FLIGHT = {Status.PENDING, Status.PROVISIONING}


class InvalidTransition(Exception):
    pass


def check_transition(from_status, to_status):
    if from_status == to_status:
        return
    if to_status not in TRANSITIONS[Status(from_status)]:
        raise InvalidTransition(f"An app account cannot go from {from_status} to {to_status}.")
