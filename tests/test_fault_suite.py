"""The fault suite's short version, inside `make test` and CI (slow: about 4-5 minutes).

It runs `python -m bench.faults --short` (bench/faults; `make faults` runs the full version)
in a process of its own: a real Celery worker and beat on production settings, PostgreSQL
(a database of its own: this run's name + "_faults_ci") and a redis-server it starts on a
free port, provisioning into scim2-servers behind our fault proxy, while a worker is
SIGKILLed mid-batch, the broker restarted empty twice, and the vendor answers 500s, 429s,
hangs and drops answers to creates. It prints the figures and asserts the correctness
goals: nothing lost (every job done, one account per person on the server, every new
account's person welcomed) and nothing duplicated (no account, no welcome email twice).
Timing goals are printed, not asserted.

It is skipped, with the reason, only where PostgreSQL or redis-server is not available.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNAVAILABLE = 3  # bench.faults' exit status when PostgreSQL or redis-server is missing
TIMEOUT = 1200  # seconds: the short version takes 4-5 minutes, about 8 when goals fail


def faults_database_url():
    """A database of its own on the suite's PostgreSQL (or the machine's, 127.0.0.1:5432)."""
    current = os.environ.get("DATABASE_URL", "")
    if current.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(current)
        name = parts.path.lstrip("/") or "postgres"
        return urlunsplit(parts._replace(path=f"/{name}_faults_ci"))
    return "postgres://postgres@127.0.0.1:5432/faults_ci"


def run_short_suite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "FAULTS_"))
    }
    report = tmp_path / "faults.json"
    command = [
        sys.executable,
        "-m",
        "bench.faults",
        "--short",
        # In CI: the scenarios of the short version (`make faults` runs them all).
        "--only",
        "worker-killed",
        "--only",
        "broker-restarted",
        "--only",
        "vendor-faults",
        "--json",
        str(report),
        "--run-dir",
        str(tmp_path / "logs"),
        "--database-url",
        faults_database_url(),
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        # SIGTERM: the suite stops the processes it started and drops its database.
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        pytest.fail(f"The fault suite ran over {TIMEOUT} s:\n{output}", pytrace=False)
    return process.returncode, output, report


def test_the_short_fault_suite_loses_and_duplicates_nothing(tmp_path, capsys):
    code, output, report = run_short_suite(tmp_path)
    with capsys.disabled():  # the figures are the point: print them even when it passes
        print("\n" + output)
    if code == UNAVAILABLE:  # "The fault suite cannot run here: ..."
        pytest.skip(output.strip().splitlines()[-1])
    assert report.exists(), f"The fault suite ended ({code}) without its report:\n{output}"
    results = json.loads(report.read_text())["results"]
    assert [r["key"] for r in results] == ["worker-killed", "broker-restarted", "vendor-faults"]
    failed = [
        f"{result['key']}: {goal['name']}: {goal['detail']}"
        for result in results
        for goal in result["goals"]
        if goal["correctness"] and not goal["passed"]
    ]
    assert not failed, "Correctness goals failed:\n" + "\n".join(failed)
    assert code == 0, output


def test_the_fault_proxy_injects_each_fault():
    """The suite's proxy (bench/faults/proxy.py) in front of a real SCIM server, in threads:
    each fault as the worker's HTTP client meets it, and every request recorded."""
    import time

    import requests

    from bench.faults.proxy import FaultProxy, ProxyControl, busiest_window, most_at_once
    from provisioning.scim_server import bearer_token_required, scim_application, serve_in_thread

    server, url = serve_in_thread(bearer_token_required(scim_application(), "t0ken"))
    proxy = FaultProxy(url.removesuffix("/v2"))
    proxy.serve_in_thread()
    control = ProxyControl(proxy.url)
    session = requests.Session()
    session.headers.update({"Authorization": "Bearer t0ken", "Content-Type": "application/json"})

    def create(name):
        user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}
        return session.post(f"{proxy.url}/v2/Users", json=user, timeout=(2, 0.5))

    try:
        assert create("plain").status_code == 201
        control.set({"kind": "status", "status": 429, "retry_after": 7, "count": 1})
        answer = create("limited")
        assert (answer.status_code, answer.headers["Retry-After"]) == (429, "7")
        control.set({"kind": "status", "status": 401, "duration": 60})
        assert create("rejected").status_code == 401
        control.set({"kind": "drop", "methods": ["POST"], "path": "/Users", "count": 1})
        with pytest.raises(requests.ConnectionError):
            create("dropped")  # the server created it; the client never hears so
        control.set({"kind": "hang", "hang": 1.5})
        with pytest.raises(requests.ReadTimeout):
            create("hung")  # never forwarded
        control.clear()
        listed = session.get(f"{proxy.url}/v2/Users", timeout=5).json()
        assert sorted(u["userName"] for u in listed["Resources"]) == ["dropped", "plain"]
        time.sleep(1.5)  # the hung request is recorded when the proxy lets it go
        records = sorted(control.log(), key=lambda r: r["t"])
        assert [(r.get("user"), r["fault"]) for r in records[:5]] == [
            ("plain", ""),
            ("limited", "status"),
            ("rejected", "status"),
            ("dropped", "drop"),
            ("hung", "hang"),
        ]
        assert busiest_window([r["t"] for r in records], 10.0)[0] == 6
        assert most_at_once(records) >= 1
    finally:
        proxy.stop()
        server.shutdown()
