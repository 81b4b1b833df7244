from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize
from django_scopes import scopes_disabled

from provisioning.models import Job


class Command(BaseCommand):
    help = "Lists provisioning jobs, newest first, with filters."

    def add_arguments(self, parser):
        parser.add_argument("--state", choices=Job.State.values)
        parser.add_argument("--app", help="app name (any organization), case-insensitive")
        parser.add_argument("--organization", help="organization name")
        parser.add_argument("--limit", type=int, default=50)

    def handle(self, state, app, organization, limit, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        with scopes_disabled():
            jobs = Job.objects.select_related("app", "account", "organization")
            if state:
                jobs = jobs.filter(state=state)
            if app:
                jobs = jobs.filter(app__name__iexact=app)
            if organization:
                jobs = jobs.filter(organization__name__iexact=organization)
            rows = list(jobs[:limit])
        self.stdout.write(
            f"{'created':<17} {'organization':<14} {'app':<16} {'email':<30} "
            f"{'action':<7} {'state':<10} tries  last error"
        )
        for job in rows:
            self.stdout.write(
                f"{job.created_at:%Y-%m-%d %H:%M} {job.organization.name[:14]:<14} "
                f"{job.app.name[:16]:<16} {job.account.email[:30]:<30} {job.action:<7} "
                f"{job.state:<10} {job.attempts:>5}  {job.last_error[:80]}"
            )
        self.stdout.write(f"{len(rows)} job{pluralize(len(rows))}.")
