"""The fault suite: `python -m bench.faults [--short] [--only SCENARIO ...]` (`make faults`).

Runs real Celery worker and beat processes (production settings, bitium.settings: only the
vendor's read timeout is lowered, to --read-timeout) on PostgreSQL and a redis-server of its
own, provisioning into scim2-servers behind fault proxies (bench/faults/proxy.py), and
prints per scenario: accounts on the server, duplicates, jobs by state, welcome emails
due/sent/duplicated, seconds to recover, and the highest request rate each vendor saw
against the app's budget; then PASS/FAIL per goal.

The exit status is 1 when a correctness goal failed (a job or an email lost, an account or
an email duplicated, a scenario that could not run), 3 when PostgreSQL or redis-server is
not available, 0 otherwise: timing goals are printed, not enforced.

Databases: FAULTS_DATABASE_URL, or --database-url, or DATABASE_URL's server with "_faults"
added to its name, or postgres://postgres@127.0.0.1:5432/faults; the suite works in the
throwaway test database of that name (test_<name>) and drops it at the end. Redis: a
redis-server it starts on a free port in 6390-6499 (--redis-port), stopped at the end.
"""

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
UNAVAILABLE = 3


def parse_args(argv=None):
    from .scenarios import SCENARIOS

    parser = argparse.ArgumentParser(
        prog="python -m bench.faults", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--short",
        action="store_true",
        help="the short version (CI): "
        + ", ".join(s.key for s in SCENARIOS if s.in_short)
        + ", 60-80 people each",
    )
    parser.add_argument(
        "--only", action="append", choices=[s.key for s in SCENARIOS], help="this scenario only"
    )
    parser.add_argument("--people", type=int, help="people per batch (default: by scenario)")
    parser.add_argument(
        "--budget", type=int, default=600, help="each app's requests per minute (600)"
    )
    parser.add_argument(
        "--patience",
        type=float,
        help="seconds to wait for a recovery beyond what the work left needs "
        "(default 60 short, 120 full)",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=3.0,
        help="the worker's CONNECTOR_READ_TIMEOUT (3): a hung request outlasts it",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the worker and beat (e.g. JOB_LEASE_SECONDS=60)",
    )
    parser.add_argument("--database-url", help="PostgreSQL (the test database is test_<name>)")
    parser.add_argument("--redis-port", type=int, help="our redis-server's port")
    parser.add_argument("--run-dir", help="where the processes' logs go (var/faults/<time>)")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the test database afterwards (to look)"
    )
    args = parser.parse_args(argv)
    if args.patience is None:
        args.patience = 60.0 if args.short else 120.0
    for item in args.env:
        if "=" not in item:
            parser.error(f"--env takes KEY=VALUE, not {item!r}")
    return args


def database_url(args):
    if args.database_url or os.environ.get("FAULTS_DATABASE_URL"):
        return args.database_url or os.environ["FAULTS_DATABASE_URL"]
    current = os.environ.get("DATABASE_URL", "")
    if current.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(current)
        name = parts.path.lstrip("/") or "postgres"
        return urlunsplit(parts._replace(path=f"/{name}_faults"))
    return "postgres://postgres@127.0.0.1:5432/faults"


def unavailable(url):
    """Why the suite cannot run here, or None."""
    if not shutil.which("redis-server"):
        return "redis-server is not installed (apt-get install redis-server)"
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        return f"the fault suite needs PostgreSQL, not {parts.scheme}"
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return f"the fault suite only talks to 127.0.0.1, not {parts.hostname}"
    try:
        import psycopg

        psycopg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except Exception as error:
        said = " ".join(str(error).split())
        return f"PostgreSQL is not reachable at {parts.hostname}:{parts.port or 5432}: {said}"
    return None


def settings_names():
    """The settings bitium/settings.py reads from the environment (none is inherited by the
    worker from this shell: it runs on the defaults and what the suite sets)."""
    text = (ROOT / "bitium" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_0-9]+)"', text))


def worker_settings(env, *names):
    """The values the worker will run with (read in a process with its environment)."""
    import subprocess

    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps([getattr(settings, name) for name in {list(names)!r}]))"
    )
    answer = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def worker_environment(args, redis_url):
    """The worker's and beat's environment: production settings (bitium.settings, .env not
    read, no setting inherited from this shell) on the suite's database and broker."""
    from django.conf import settings

    names = settings_names()
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in names
        and not key.startswith(("CELERY_", "DJANGO_", "FAULTS_"))
        and key not in ("BENCH", "READ_DOT_ENV", "PYTEST_CURRENT_TEST")
    }
    db = settings.DATABASES["default"]
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    database = f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "bitium.settings",
        "READ_DOT_ENV": "false",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "CREDENTIAL_KEYS": ",".join(settings.CREDENTIAL_KEYS),
        "SITE_URL": settings.SITE_URL,
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "CONNECTOR_ALLOW_PRIVATE_URLS": "true",
        # As docker-compose.yml runs the worker: one whose consumer died exits, to be restarted.
        "WORKER_WATCHDOG": "true",
        "CONNECTOR_READ_TIMEOUT": f"{args.read_timeout:g}",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.update(item.split("=", 1) for item in args.env)
    return env


class Suite:
    """What every scenario shares."""

    def __init__(self, args, redis, run_dir, worker_env):
        self.args, self.redis, self.run_dir = args, redis, run_dir
        self.worker_env = worker_env
        self.budget = args.budget
        self.patience = args.patience
        self.read_timeout = args.read_timeout
        self.welcome_delay, self.threads, self.lease, self.sweep_interval = worker_settings(
            worker_env,
            "WELCOME_DELAY_SECONDS",
            "CELERY_WORKER_CONCURRENCY",
            "JOB_LEASE_SECONDS",
            "SWEEP_INTERVAL_SECONDS",
        )

    def migrate(self):
        """The database as the code the new worker will load expects it (a long run may
        outlive a change of the models: the worker would then fail on a missing column)."""
        import subprocess

        answer = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=self.worker_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        applied = [line.strip() for line in answer.stdout.splitlines() if "Applying" in line]
        if answer.returncode:
            raise RuntimeError(f"migrate failed:\n{answer.stdout}{answer.stderr}")
        if applied:
            print(f"    (the code changed meanwhile: {'; '.join(applied)})", flush=True)


def main(argv=None):
    args = parse_args(argv)
    url = database_url(args)
    problem = unavailable(url)
    if problem:
        print(f"The fault suite cannot run here: {problem}.", flush=True)
        return UNAVAILABLE

    sys.path.insert(0, str(ROOT))
    from . import processes

    redis_port = args.redis_port or processes.free_port()
    redis_url = f"redis://{processes.HOST}:{redis_port}/0"
    # This process queues the jobs and reads the rows: bitium.settings_test (test keys) with
    # the production broker (BENCH), on the suite's database and broker.
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bitium.settings_test",
        BENCH="true",
        CELERY_TASK_ALWAYS_EAGER="false",
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        LOG_LEVEL=os.environ.get("FAULTS_LOG_LEVEL", "WARNING"),
    )
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases
    from django_scopes import scopes_disabled

    from .scenarios import SCENARIOS, run_scenario

    processes.install_signal_handlers()
    run_dir = Path(args.run_dir or ROOT / "var" / "faults" / time.strftime("%Y%m%d-%H%M%S"))
    run_dir.mkdir(parents=True, exist_ok=True)
    chosen = [
        s
        for s in SCENARIOS
        if (s.key in args.only if args.only else (s.in_short or not args.short))
    ]
    started = time.monotonic()
    results = []
    old_config = None
    redis = processes.RedisServer(redis_port, run_dir)
    try:
        redis.start()
        old_config = setup_databases(verbosity=0, interactive=False)
        worker_env = worker_environment(args, redis.url)
        suite = Suite(args, redis, run_dir, worker_env)
        settings.WORKER_THREADS = suite.threads  # batches are cut for the worker's threads
        print(
            f"Fault suite ({'short' if args.short else 'full'}): database "
            f"{settings.DATABASES['default']['NAME']}, broker {redis.url} (our own), "
            f"budget {suite.budget}/min per app, worker {suite.threads} threads on production "
            f"settings (read timeout {suite.read_timeout:g} s, so lease {suite.lease} s; sweep "
            f"every {suite.sweep_interval:g} s; welcome delay {suite.welcome_delay:g} s"
            f"{', ' + ', '.join(args.env) if args.env else ''}), "
            f"patience {suite.patience:g} s; logs in {run_dir}",
            flush=True,
        )
        with scopes_disabled():
            for scenario in chosen:
                results.append(run_scenario(suite, scenario, args))
    finally:
        processes.stop_everything()
        connections.close_all()
        if args.keep_db:
            print(f"(kept the database {settings.DATABASES['default']['NAME']})", flush=True)
        elif old_config is not None:
            try:
                teardown_databases(old_config, verbosity=0)
            except Exception as error:  # a worker's connection may linger a moment
                print(f"(could not drop the test database: {error})", flush=True)

    elapsed = time.monotonic() - started
    print_summary(results, elapsed)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "short": args.short,
                    "seconds": round(elapsed, 1),
                    "run_dir": str(run_dir),
                    "results": [r.as_dict() for r in results],
                },
                indent=2,
                default=str,
            )
        )
    return 1 if any(r.failed(correctness_only=True) for r in results) else 0


def print_summary(results, elapsed):
    print(f"\n== Summary ({elapsed:.0f} s) ==")
    width = max([len(r.key) for r in results] + [8])
    for result in results:
        failed = result.failed()
        verdict = "PASS" if not failed else "FAIL"
        print(
            f"  {verdict}  {result.key:<{width}}  {len(result.goals) - len(failed)}/"
            f"{len(result.goals)} goals"
        )
        for goal in failed:
            kind = "correctness" if goal.correctness else "timing"
            print(f"        FAIL [{kind}] {goal.name}: {goal.detail}")
    wrong = sum(len(r.failed(correctness_only=True)) for r in results)
    print(
        f"  {wrong} correctness goal(s) failed"
        + (" (the suite fails)" if wrong else "")
        + "; timing goals are printed, not enforced.",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
