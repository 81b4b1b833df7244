"""Serves the console and its worker on the embedded default (SQLite, filesystem broker).

`make run` calls this after migrate and seed_demo. Ctrl-C or SIGTERM stops every process.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Runs the web server, a Celery worker and beat together until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))

    def handle(self, *args, port, **options):
        from bitium.demo import demo_scim_port, demo_scim_token

        python = sys.executable
        commands = {
            "demo SCIM app": [
                python,
                "-m",
                "provisioning.scim_server",
                "--port",
                str(demo_scim_port()),
                "--token",
                demo_scim_token(),
                "--data",
                str(settings.VAR_DIR / "demo-scim-app.json"),
            ],
            "web": [python, "manage.py", "runserver", "--noreload", f"0.0.0.0:{port}"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "bitium",
                "worker",
                "--loglevel",
                "INFO",
                "--pool",
                "threads",
                "--concurrency",
                str(settings.CELERY_WORKER_CONCURRENCY),
            ],
        }
        processes = {
            name: subprocess.Popen(cmd, cwd=settings.BASE_DIR) for name, cmd in commands.items()
        }
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.give_the_demo_app_its_accounts()
        self.stdout.write(self.style.SUCCESS(f"Bitium is running at http://localhost:{port}/"))
        if settings.MAILERS["default"]["BACKEND"] == settings.OUTBOX_BACKEND:
            self.stdout.write(f"Email goes to the outbox: http://localhost:{port}/outbox/")
        self.stdout.write("Press Ctrl-C to stop.")
        try:
            while not stopping:
                ended = [name for name, p in processes.items() if p.poll() is not None]
                if ended:
                    self.stderr.write(f"{', '.join(ended)} stopped; stopping the rest.")
                    break
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            deadline = time.monotonic() + 10
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Stopped.")

    def give_the_demo_app_its_accounts(self):
        from bitium.demo import ensure_demo_vendor_accounts
        from provisioning.connectors.errors import ConnectorError

        for _ in range(50):  # the server takes a moment to start
            try:
                ensure_demo_vendor_accounts()
                return
            except ConnectorError:
                time.sleep(0.2)
        self.stderr.write("The demo SCIM app did not start; Method 1 will not work in it.")
