"""Serves the console, its worker and beat on the embedded default (SQLite, filesystem
broker), and restarts any of them that stops.

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
            "web": [
                python,
                "manage.py",
                "runserver",
                "--noreload",
                f"{os.environ.get('DEMO_BIND') or '127.0.0.1'}:{port}",
            ],
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
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "bitium",
                "beat",
                "--loglevel",
                "WARNING",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
            ],
        }
        # The worker exits when it stops receiving tasks (bitium/celery.py's watchdog).
        environment = {**os.environ, "WORKER_WATCHDOG": "true"}

        def start(name):
            return subprocess.Popen(commands[name], cwd=settings.BASE_DIR, env=environment)

        processes = {name: start(name) for name in commands}
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
                # Supervised: whatever stops (a worker that lost its broker, say) starts again;
                # the job and email rows make good what it was doing.
                for name, process in list(processes.items()):
                    if process.poll() is not None and not stopping:
                        self.stderr.write(
                            f"{name} stopped (exit {process.returncode}); starting it again."
                        )
                        time.sleep(1)
                        processes[name] = start(name)
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
