"""Provisioning benchmarks: `make bench` prints the figures (they are not tests).

1. Throughput: N users provisioned into a local scim2-server (threaded WSGI, own process)
   through the real Celery worker, against the same N creates sent straight from
   scim2-client at the same concurrency: one worker process with all the threads, and one
   process per core sharing them. A figure runs from queueing the jobs (the admin's Done)
   to the last one done; the welcome emails wait WELCOME_DELAY_SECONDS (production's 20 s
   unless set), so they are not in it. Beside it, what it costs: the CPU seconds per 1,000
   jobs of the worker processes, of PostgreSQL and of the scim2-server, against the direct
   client's own CPU per 1,000 creates (read from /proc: Linux only).
2. Latency-bound: 50 ms added to every vendor request; users per second at worker
   concurrency 1, 8 and 32, each beside scim2-client's straight at the same concurrency.
3. Fan-out: queueing jobs for 5,000 users x 3 apps: the time and the number of queries.
4. Offboarding: deleting a group of 1,000 people whose 3 SCIM apps auto-provision (each its
   own scim2-server). The plan's time and queries at 100 and 1,000 people, then the 3,000
   suspensions through the worker (from the admin's Confirm to the last one done) against
   the same PATCHes (active=false) sent straight from scim2-client at the same concurrency.
   The servers are read back afterwards: every user must be active=false.

`--only FIGURE` (repeatable) runs some of them.

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
STARTED = []  # stopped at the end whatever happens: a crash leaves no server on a port


def start(cmd, ready_text, env=None):
    process = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    STARTED.append(process)
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
        "SCIM server ready",  # not "ready" alone: "Address already in use" holds it
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
            " ready.",  # "bench0@host ready."
            env=database_env,
        )
        for index in range(processes)
    ]


def straight(calls, concurrency):
    """Runs [(base_url, connector method, argument)] straight from scim2-client (one connector
    per thread and server, as the worker keeps them). Returns (seconds, answers)."""
    from provisioning.connectors.scim import ScimConnector

    local = threading.local()

    def one(call):
        base_url, method, argument = call
        connectors = local.__dict__.setdefault("connectors", {})
        if base_url not in connectors:
            credentials = {"base_url": base_url, "auth": "bearer", "token": TOKEN}
            connectors[base_url] = ScimConnector.build(credentials)
        return getattr(connectors[base_url], method)(argument)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        answers = list(pool.map(one, calls))
    return time.perf_counter() - started, answers


def new_account(email, last_name):
    from provisioning.connectors.base import NewAccount

    return NewAccount(
        email=email,
        username=email,
        first_name="Bench",
        last_name=last_name,
        password="Bench-Passw0rd!",
    )


def direct_creates(base_url, count, concurrency, prefix):
    """The baseline: the same creates sent straight from scim2-client."""
    calls = [
        (base_url, "create_account", new_account(f"{prefix}{i}@bench.example", str(i)))
        for i in range(count)
    ]
    return straight(calls, concurrency)[0]


# The CPU the figures cost, read from /proc: a worker that keeps up with the direct client by
# burning several times its CPU is not free, and it shares the cores with the database.
PROC = os.path.isdir("/proc")
TICK = os.sysconf("SC_CLK_TCK") if PROC else 100


def process_table():
    """{pid: (parent pid, name, command line, CPU seconds)} of every process on the machine.
    A process's CPU counts all its threads, and its children once they exited and were waited
    for (cutime, cstime)."""
    table = {}
    for pid in os.listdir("/proc") if PROC else ():
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                head, _, tail = f.read().rpartition(")")  # the name may hold spaces and ")"
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().decode(errors="replace").replace("\0", " ")
        except OSError:  # it exited meanwhile
            continue
        fields = tail.split()  # state, parent pid, ...: fields 14-17 are at 11-14
        cpu = sum(int(ticks) for ticks in fields[11:15]) / TICK
        table[int(pid)] = (int(fields[1]), head.partition("(")[2], command, cpu)
    return table


def cpu_use(worker_pids, server_pid):
    """CPU seconds so far of the worker processes with their children, of the scim2-server,
    of PostgreSQL (all its processes on this machine, so anyone else's work on it too; the
    postmaster counts its exited backends) and of its backends on this benchmark's database
    (the worker's connections, and this process's writing the jobs and polling them)."""
    table = process_table()

    def tree(pid):
        if pid not in table:
            return 0.0
        return table[pid][3] + sum(tree(child) for child, row in table.items() if row[0] == pid)

    database = f" {settings.DATABASES['default']['NAME']} "  # "postgres: main: user db host"
    postgres = [row for row in table.values() if row[1] == "postgres"]
    return {
        "worker": sum(tree(pid) for pid in worker_pids),
        "scim2-server": tree(server_pid),
        "PostgreSQL": sum(row[3] for row in postgres),
        "database": sum(row[3] for row in postgres if database in row[2]),
    }


def per_thousand(before, after, jobs):
    return {key: (after[key] - before[key]) * 1000 / jobs for key in after}


def worker_cost(cost, client):
    """The line printed under a worker figure: its CPU per 1,000 jobs."""
    if not PROC:
        return "CPU not measured (no /proc)"
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        database = "the database not measured (SQLite: it runs inside the worker's processes)"
    else:
        database = (
            f"PostgreSQL {cost['PostgreSQL']:4.2f} s "
            f"({cost['database']:4.2f} s in this database's backends)"
        )
    return (
        f"CPU per 1,000 jobs: worker {cost['worker']:4.2f} s "
        f"({cost['worker'] / client:3.1f} x the direct client's), {database}, "
        f"scim2-server {cost['scim2-server']:4.2f} s"
    )


def make_org(name, people, base_urls):
    """An organization with people and one connected SCIM app per base URL."""
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
    for n, base_url in enumerate(base_urls):
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
    wait_for(Job.objects.filter(app=app))
    elapsed = time.perf_counter() - started
    failed = Job.objects.filter(app=app, state="failed").count()
    return elapsed, failed


def wait_for(jobs):
    while jobs.exclude(state__in=["succeeded", "failed"]).exists():
        time.sleep(0.02)


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
    parser.add_argument("--offboarding-people", type=int, default=1000)
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count(), help="worker processes, one per core"
    )
    parser.add_argument("--only", choices=list(FIGURES), action="append", help="this figure only")
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
            purge()
            for figure in args.only or FIGURES:
                FIGURES[figure](args, env)
        finally:
            for process in STARTED:
                if process.poll() is None:
                    process.kill()
            connections.close_all()
            from django.test.utils import teardown_databases

            teardown_databases(old_config, verbosity=0)


def purge():
    from bitium.celery import app as celery_app

    celery_app.control.purge()


def shapes(args):
    """Python runs one thread at a time per process: a deployment runs a worker process per
    core. Both shapes are shown, with the same number of threads in all."""
    return sorted({1, min(args.processes, args.concurrency)})


def throughput(args, env):
    from provisioning.connectors.registry import load_all

    n, c = args.users, args.concurrency
    load_all()  # as the worker does before it is ready: neither side's CPU counts the imports
    server = scim_server(8701)
    before, client = cpu_use([], server.pid), time.process_time()
    direct = direct_creates("http://127.0.0.1:8701/v2", n, c, "direct")
    client = (time.process_time() - client) * 1000 / n  # this process's threads: the client
    served = per_thousand(before, cpu_use([], server.pid), n)["scim2-server"]
    stop(server)
    print(f"\nThroughput: {n} users, concurrency {c}")
    print(f"  straight from scim2-client:       {direct:6.2f} s  ({n / direct:4.0f} users/s)")
    print(f"    CPU per 1,000 creates: the client {client:4.2f} s, scim2-server {served:4.2f} s")
    for processes in shapes(args):
        server = scim_server(8701)
        organization, users, (app,) = make_org(
            f"Throughput{processes}", n, ["http://127.0.0.1:8701/v2"]
        )
        started = workers(c, env, processes)
        pids = [process.pid for process in started]
        before = cpu_use(pids, server.pid)
        through_worker, failed = provision_through_worker(organization, users, app)
        cost = per_thousand(before, cpu_use(pids, server.pid), n)
        for process in started:
            stop(process)
        purge()
        stop(server)
        shape = f"{processes} x {c // processes} threads"
        print(
            f"  through the worker, {shape:<12} {through_worker:6.2f} s  "
            f"({n / through_worker:4.0f} users/s, {failed} failed)  "
            f"ratio {through_worker / direct:4.2f} (goal: under 1.3)"
        )
        print(f"    {worker_cost(cost, client)}")
    delay = float(env["WELCOME_DELAY_SECONDS"])
    where = "outside these figures" if delay > through_worker else "the worker sends them meanwhile"
    print(f"  (welcome emails go out WELCOME_DELAY_SECONDS={delay:g} s after the seats: {where})")


def latency(args, env):
    from provisioning.connectors.registry import load_all

    print("\nLatency-bound: 50 ms added to every vendor request")
    load_all()  # not in the direct client's first figure
    server = scim_server(8702, latency_ms=50)
    url = "http://127.0.0.1:8702/v2"
    for concurrency in (1, 8, 32):
        count = {1: 60, 8: 400, 32: 1200}[concurrency]
        direct = direct_creates(url, count, concurrency, f"direct{concurrency}_")
        organization, users, (app,) = make_org(f"Latency{concurrency}", count, [url])
        (work,) = workers(concurrency, env)
        elapsed, failed = provision_through_worker(organization, users, app)
        stop(work)
        purge()
        print(
            f"  concurrency {concurrency:>2}: {count / elapsed:7.1f} users/s "
            f"({count} users in {elapsed:.1f} s, {failed} failed; "
            f"straight from scim2-client {count / direct:5.1f}/s; "
            f"ceiling {concurrency * 1000 / 50:.0f}/s)"
        )
    stop(server)


def fanout(args, env):
    from provisioning.services import AccountRequest, queue_jobs

    organization, users, apps = make_org("Fanout", args.fanout_users, ["http://127.0.0.1:9/v2"] * 3)
    purge()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            for app in apps:
                queue_jobs(app, [AccountRequest(user=u) for u in users], trigger="bench")
            committed_at = time.perf_counter()
    finished = time.perf_counter()
    purge()
    jobs = args.fanout_users * 3
    print(f"\nFan-out: {args.fanout_users} users x 3 apps = {jobs} jobs")
    print(f"  writing the jobs:   {committed_at - started:6.2f} s")
    print(f"  enqueueing on commit: {finished - committed_at:6.2f} s")
    print(f"  queries:            {len(queries):6d}")


# Three vendors, each its own scim2-server process.
OFFBOARDING_PORTS = (8703, 8704, 8705)
OFFBOARDING_URLS = [f"http://127.0.0.1:{port}/v2" for port in OFFBOARDING_PORTS]


def offboarding(args, env):
    from provisioning.connectors.registry import load_all

    n, c = args.offboarding_people, args.concurrency
    suspensions = n * len(OFFBOARDING_URLS)
    print(
        f"\nOffboarding: deleting a group of {n} people whose {len(OFFBOARDING_URLS)} SCIM apps "
        f"auto-provision = {suspensions} suspensions, concurrency {c}"
    )
    print(
        f"  (approval threshold raised from 25 to {suspensions} accounts and from 20% to 100%: "
        "the plan runs at once instead of waiting for an admin's approval)"
    )
    load_all()  # the first plan would time importing the connectors (the SCIM models' second)
    # The plan needs no vendor: its accounts have no remote ids.
    for people in sorted({100, n}):
        organization, group = offboarding_org(
            f"Plan{people}_", people, ["http://127.0.0.1:9/v2"] * 3
        )
        elapsed, queries, steps = plan_of_leaving(organization, group)
        print(
            f"  the plan, {people:>5} people ({steps:>5} suspensions): "
            f"{elapsed:5.2f} s, {queries} queries"
        )

    servers = [scim_server(port) for port in OFFBOARDING_PORTS]
    direct = direct_deactivations(OFFBOARDING_URLS, n, c)
    inactive, total = inactive_in(OFFBOARDING_URLS)
    for server in servers:
        stop(server)
    if inactive != total or total != suspensions:
        sys.exit(f"The direct PATCHes did not deactivate: {inactive} of {total} active=false.")
    rate = suspensions / direct
    print(f"  straight from scim2-client:       {direct:6.2f} s  ({rate:4.0f} PATCH/s)")
    for processes in shapes(args):
        servers = [scim_server(port) for port in OFFBOARDING_PORTS]
        organization, group = offboarding_org(f"Offboarding{processes}", n, OFFBOARDING_URLS)
        into_servers(organization, c)
        started = workers(c, env, processes)
        elapsed, confirmed, queries, failed, suspended = offboard_through_worker(
            organization, group
        )
        for process in started:
            stop(process)
        purge()
        inactive, total = inactive_in(OFFBOARDING_URLS)
        for server in servers:
            stop(server)
        shape = f"{processes} x {c // processes} threads"
        print(
            f"  through the worker, {shape:<12} {elapsed:6.2f} s  "
            f"({suspensions / elapsed:4.0f} suspensions/s, {failed} failed)  "
            f"ratio {elapsed / direct:4.2f} (goal: under 1.3)"
        )
        after = elapsed - confirmed
        print(
            f"    Confirm (the plan, {suspensions} jobs written and enqueued): {confirmed:5.2f} s, "
            f"{queries} queries; the jobs after it: {after:5.2f} s (ratio {after / direct:4.2f})"
        )
        if failed or suspended != suspensions or inactive != total or total != suspensions:
            sys.exit(
                f"Offboarding did not happen: {failed} jobs failed, {suspended} accounts "
                f"suspended, {inactive} of the servers' {total} users active=false."
            )
        print(
            f"    checked: {suspended} accounts suspended; the servers read back: "
            f"{inactive} of {total} users active=false"
        )


def offboarding_org(name, people, base_urls):
    """An organization whose group of `people` carries one app per base URL with group
    auto-provisioning on; each person's accounts are recorded as created (into_servers
    creates them in the servers)."""
    from apps_catalog.models import GroupApp, TenantApp
    from groups.models import AssignmentSettings, Group, Membership
    from provisioning.models import AppAccount

    organization, users, apps = make_org(name, people, base_urls)
    TenantApp.objects.filter(organization=organization).update(group_auto_provisioning=True)
    group = Group.objects.create(organization=organization, name="Leaving")
    Membership.objects.bulk_create(
        Membership(organization=organization, group=group, user=user) for user in users
    )
    GroupApp.objects.bulk_create(
        GroupApp(organization=organization, group=group, app=app) for app in apps
    )
    # Above the suspensions' count (25 and 20% by default): the plan runs at once.
    AssignmentSettings.objects.update_or_create(
        organization=organization,
        defaults={"approval_threshold": people * len(apps), "approval_threshold_percent": 100},
    )
    AppAccount.objects.bulk_create(
        AppAccount(
            organization=organization,
            app=app,
            user=user,
            email=user.email,
            username=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            status="created",
        )
        for user in users
        for app in apps
    )
    return organization, group


def into_servers(organization, concurrency):
    """Creates the organization's accounts in its apps' servers, straight from scim2-client
    (faster than through the worker, and the same accounts), and records their remote ids."""
    from provisioning.models import AppAccount

    accounts = list(
        AppAccount.objects.filter(organization=organization).select_related("app__connection")
    )
    calls = [
        (
            a.app.connection.credentials["base_url"],
            "create_account",
            new_account(a.email, a.last_name),
        )
        for a in accounts
    ]
    for account, remote in zip(accounts, straight(calls, concurrency)[1], strict=True):
        account.remote_id = remote.remote_id
    AppAccount.objects.bulk_update(accounts, ["remote_id"], batch_size=1000)


def plan_of_leaving(organization, group):
    """The plan an admin reads before deleting the group (nothing kept): (seconds, queries)."""
    from provisioning import changes

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        plan = changes.preview(changes.DeleteGroup(group), organization.pk)
    elapsed = time.perf_counter() - started
    assert len(plan.destructive()) == len(plan.steps) > 0, plan.counts()
    return elapsed, len(queries), len(plan.steps)


def offboard_through_worker(organization, group):
    """From the admin's Confirm to the last suspension done. Returns (seconds, Confirm's
    seconds, Confirm's queries, failed jobs, suspended accounts)."""
    from provisioning import changes
    from provisioning.models import AppAccount, Job

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        plan, kept = changes.confirm(changes.DeleteGroup(group), organization.pk, by=None)
    confirmed = time.perf_counter() - started
    assert kept is None, "the plan waits for approval: " + kept.reason
    wait_for(Job.objects.filter(organization=organization))
    elapsed = time.perf_counter() - started
    failed = Job.objects.filter(organization=organization, state="failed").count()
    suspended = AppAccount.objects.filter(organization=organization, status="suspended").count()
    return elapsed, confirmed, len(queries), failed, suspended


def direct_deactivations(base_urls, people, concurrency):
    """The baseline: as many users in the same servers, then the same PATCHes (active=false)
    sent straight from scim2-client, spread over the servers as the worker's are."""
    creates = [
        (url, "create_account", new_account(f"direct{i}@bench.example", str(i)))
        for i in range(people)
        for url in base_urls
    ]
    _, created = straight(creates, concurrency)
    patches = [
        (url, "deactivate_account", remote.remote_id)
        for (url, _, _), remote in zip(creates, created, strict=True)
    ]
    return straight(patches, concurrency)[0]


def inactive_in(base_urls):
    """(users with active=false, users) in the servers, read back page by page."""
    from provisioning.connectors.scim import ScimConnector

    actives = [
        account.active
        for url in base_urls
        for account in ScimConnector.build(
            {"base_url": url, "auth": "bearer", "token": TOKEN}
        ).list_accounts()
    ]
    return actives.count(False), len(actives)


FIGURES = {
    "throughput": throughput,
    "latency": latency,
    "fanout": fanout,
    "offboarding": offboarding,
}

if __name__ == "__main__":
    main()
