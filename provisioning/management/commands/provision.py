import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_scopes import scope, scopes_disabled

from accounts.models import User
from apps_catalog.models import TenantApp
from provisioning.changes import assign
from provisioning.models import Job
from provisioning.services import AccountRequest, queue_jobs


class Command(BaseCommand):
    help = "Queues a seat for one person in one of their organization's apps."

    def add_arguments(self, parser):
        parser.add_argument("email", help="the person's email")
        parser.add_argument("app", help="the app's name in their organization, or its id")
        parser.add_argument(
            "--link", action="store_true", help="link an existing account instead of creating one"
        )
        parser.add_argument(
            "--no-password", action="store_true", help="do not set a temporary password"
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="wait up to SECONDS for the worker to finish the job",
        )

    def handle(self, email, app, link, no_password, wait, **options):
        with scopes_disabled():
            person = User.objects.filter(email__iexact=email, organization__isnull=False).first()
        if person is None:
            raise CommandError(f"No person with the email {email}.")
        with scope(organization=person.organization_id):
            apps = TenantApp.objects.select_related("catalog_app")
            target = apps.filter(name__iexact=app).first()
            if target is None and len(app) == 36:
                target = apps.filter(pk=app).first()
            if target is None:
                names = ", ".join(apps.values_list("name", flat=True)) or "none"
                raise CommandError(
                    f"{person.organization} has no app named {app!r} (its apps: {names})."
                )
            if not target.catalog_app.supports_provisioning:
                raise CommandError(f"{target.name} does not support auto-provisioning.")
            action = Job.Action.LINK if link else Job.Action.CREATE
            with transaction.atomic():
                assign(target, [person], None)
                jobs = queue_jobs(
                    target,
                    [AccountRequest(user=person, action=action, set_password=not no_password)],
                    trigger="operator",
                )
            if not jobs:
                raise CommandError(f"{email} already has an account in {target.name}.")
            job = jobs[0]
            self.stdout.write(
                f"Queued job {job.pk}: {job.get_action_display()} for {email} in {target.name}."
            )
            deadline = time.monotonic() + wait
            while wait and time.monotonic() < deadline:
                job.refresh_from_db()
                if job.state in (Job.State.SUCCEEDED, Job.State.FAILED, Job.State.HELD):
                    break
                time.sleep(0.2)
            if wait:
                job.refresh_from_db()
                self.stdout.write(
                    f"Job {job.pk}: {job.get_state_display()}"
                    f"{': ' + job.last_error if job.last_error else ''}"
                )
