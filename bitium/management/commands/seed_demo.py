from django.core.management.base import BaseCommand

from bitium.demo import seed_demo


class Command(BaseCommand):
    help = "Seeds the TestCo demo organization (idempotent: keeps existing data)."

    def handle(self, *args, **options):
        email, password, password_works = seed_demo()
        self.stdout.write(self.style.SUCCESS("TestCo is ready."))
        if password_works:
            self.stdout.write(f"Sign in as {email} with password {password}")
        else:
            self.stdout.write(
                f"Sign in as {email}: its password was changed since seeding, so use yours, "
                'or choose a new one with "Forgot your password?" on the sign-in page '
                "(the link arrives in the outbox)."
            )
