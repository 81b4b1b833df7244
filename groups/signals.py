"""What groups announce. provisioning listens (provisioning/apps.py), in the same transaction
as the change, so the jobs it writes commit or roll back with the membership."""

from django.dispatch import Signal

# sender=Group; group, people (the ones just added), by (the admin, or None)
members_added = Signal()
