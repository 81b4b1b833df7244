"""Provisioning benchmarks: `make bench` prints the figures (they are not tests).

1. Throughput: N users provisioned into a local scim2-server (threaded WSGI, own process)
   through the real Celery worker, against the same N creates sent straight from
   scim2-client at the same concurrency: one worker process with all the threads, and one
   process per core sharing them. A figure runs from queueing the jobs (the admin's Done)
   to the last one done; the welcome emails wait WELCOME_DELAY_SECONDS (production's 20 s
   unless set), so they are not in it.
2. Latency-bound: 50 ms added to every vendor request; users per second at worker
   concurrency 1, 8 and 32.
3. Fan-out: queueing jobs for 5,000 users x 3 apps: the time and the number of queries.

It uses DATABASE_URL and REDIS_URL when set (PostgreSQL and Redis give the production
figures), SQLite and the filesystem broker otherwise, in a throwaway test database.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitium.settings_test")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
os.environ["BENCH"] = "true"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

TOKEN = "bench-token"
PYTHON = sys.executable
EXTRA = os.environ.get("BENCH_WORKER_ARGS", "").split()


def start(cmd, ready_text, env=None):
    process = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if ready_text in line:
            # Keep reading what it prints, or it blocks once the pipe is full.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"{cmd[2]} did not start")


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def scim_server(port, latency_ms=0):
    return start(
        [
            PYTHON,
            "-m",
            "provisioning.scim_server",
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--latency-ms",
            str(latency_ms),
        ],
        "ready",
    )


def workers(concurrency, database_env, processes=1):
    """concurrency threads in all, over processes worker processes. The enqueueing side
    (this process) is told the same, as a deployment's WORKER_THREADS does."""
    settings.WORKER_THREADS = concurrency
    pool = os.environ.get("BENCH_POOL", "threads")
    return [
        start(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "bitium",
                "worker",
                "-n",
                f"bench{index}@%h",
                "--pool",
                pool,
                "--concurrency",
                str(concurrency // processes),
                "--loglevel",
                "INFO",
                "-O",
                "fair",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
            + EXTRA,
            "ready",
            env=database_env,
        )
        for index in range(processes)
    ]


def direct_creates(base_url, count, concurrency, prefix):
    """The baseline: the same creates sent straight from scim2-client."""
    from provisioning.connectors.base import NewAccount
    from provisioning.connectors.scim import ScimConnector

    credentials = {"base_url": base_url, "auth": "bearer", "token": TOKEN}
    local = threading.local()

    def create(i):
        if not hasattr(local, "scim"):
            local.scim = ScimConnector.build(credentials)
        email = f"{prefix}{i}@bench.example"
        local.scim.create_account(
            NewAccount(
                email=email,
                username=email,
                first_name="Bench",
                last_name=str(i),
                password="Bench-Passw0rd!",
            )
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(create, range(count)))
    return time.perf_counter() - started


def make_org(name, people, apps, base_url):
    from accounts.models import Organization, User
    from apps_catalog.models import CatalogApp, TenantApp
    from provisioning.models import Connection

    organization = Organization.objects.create(name=name)
    users = User.objects.bulk_create(
        User(
            organization=organization,
            email=f"{name.lower()}{i}@bench.example",
            first_name="Bench",
            last_name=str(i),
        )
        for i in range(people)
    )
    scim = CatalogApp.objects.get(key="scim")
    made = []
    for n in range(apps):
        app = TenantApp.objects.create(
            organization=organization, catalog_app=scim, name=f"SCIM {n}"
        )
        Connection.objects.create(
            organization=organization,
            app=app,
            state=Connection.State.CONNECTED,
            credentials={"base_url": base_url, "auth": "bearer", "token": TOKEN},
            rate_limit_per_minute=1_000_000,  # measure the engine, not the budget
        )
        made.append(app)
    return organization, users, made


def provision_through_worker(organization, users, app):
    from provisioning.models import Job
    from provisioning.services import AccountRequest, queue_jobs

    started = time.perf_counter()
    with transaction.atomic():
        queue_jobs(app, [AccountRequest(user=u) for u in users], trigger="bench")
    while True:
        left = Job.objects.filter(app=app).exclude(state__in=["succeeded", "failed"]).count()
        if not left:
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    failed = Job.objects.filter(app=app, state="failed").count()
    return elapsed, failed


def database_env():
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    # The worker runs on bitium.settings_test too (test keys), on this benchmark's database,
    # but with production's welcome delay: the emails go out after the figures.
    return {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bitium.settings_test",
        "WELCOME_DELAY_SECONDS": os.environ.get("WELCOME_DELAY_SECONDS", "20"),
        "CELERY_DB_REUSE_MAX": "1000000",  # connections kept across tasks, as in production
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--fanout-users", type=int, default=5000)
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count(), help="worker processes, one per core"
    )
    args = parser.parse_args()

    old_config = setup_databases(verbosity=0, interactive=False)
    db = settings.DATABASES["default"]
    print(
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}; "
        f"broker: {settings.CELERY_BROKER_URL.split('://')[0]}"
    )
    env = database_env()
    with scopes_disabled():
        try:
            run(args, env)
        finally:
            connections.close_all()
            from django.test.utils import teardown_databases

            teardown_databases(old_config, verbosity=0)


def run(args, env):
    from bitium.celery import app as celery_app

    celery_app.control.purge()
    n, c = args.users, args.concurrency

    # 1. Throughput
    server = scim_server(8701)
    direct = direct_creates("http://127.0.0.1:8701/v2", n, c, "direct")
    stop(server)
    print(f"\nThroughput: {n} users, concurrency {c}")
    print(f"  straight from scim2-client:       {direct:6.2f} s  ({n / direct:4.0f} users/s)")
    # Python runs one thread at a time per process: a deployment runs a worker process per
    # core. Both shapes are shown, with the same number of threads in all.
    for processes in sorted({1, min(args.processes, c)}):
        server = scim_server(8701)
        organization, users, (app,) = make_org(
            f"Throughput{processes}", n, 1, "http://127.0.0.1:8701/v2"
        )
        started = workers(c, env, processes)
        through_worker, failed = provision_through_worker(organization, users, app)
        for process in started:
            stop(process)
        celery_app.control.purge()
        stop(server)
        shape = f"{processes} x {c // processes} threads"
        print(
            f"  through the worker, {shape:<12} {through_worker:6.2f} s  "
            f"({n / through_worker:4.0f} users/s, {failed} failed)  "
            f"ratio {through_worker / direct:4.2f} (goal: under 1.3)"
        )
    delay = float(env["WELCOME_DELAY_SECONDS"])
    where = "outside these figures" if delay > through_worker else "the worker sends them meanwhile"
    print(f"  (welcome emails go out WELCOME_DELAY_SECONDS={delay:g} s after the seats: {where})")

    # 2. Latency-bound
    print("\nLatency-bound: 50 ms added to every vendor request")
    server = scim_server(8702, latency_ms=50)
    for concurrency in (1, 8, 32):
        count = {1: 60, 8: 400, 32: 1200}[concurrency]
        organization, users, (app,) = make_org(
            f"Latency{concurrency}", count, 1, "http://127.0.0.1:8702/v2"
        )
        (work,) = workers(concurrency, env)
        elapsed, failed = provision_through_worker(organization, users, app)
        stop(work)
        celery_app.control.purge()
        print(
            f"  concurrency {concurrency:>2}: {count / elapsed:7.1f} users/s "
            f"({count} users in {elapsed:.1f} s, {failed} failed; "
            f"ceiling {concurrency * 1000 / 50:.0f}/s)"
        )
    stop(server)

    # 3. Fan-out
    from provisioning.services import AccountRequest, queue_jobs

    organization, users, apps = make_org("Fanout", args.fanout_users, 3, "http://127.0.0.1:9/v2")
    celery_app.control.purge()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            for app in apps:
                queue_jobs(app, [AccountRequest(user=u) for u in users], trigger="bench")
            committed_at = time.perf_counter()
    finished = time.perf_counter()
    celery_app.control.purge()
    jobs = args.fanout_users * 3
    print(f"\nFan-out: {args.fanout_users} users x 3 apps = {jobs} jobs")
    print(f"  writing the jobs:   {committed_at - started:6.2f} s")
    print(f"  enqueueing on commit: {finished - committed_at:6.2f} s")
    print(f"  queries:            {len(queries):6d}")


if __name__ == "__main__":
    main()
