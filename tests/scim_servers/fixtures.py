"""django-scim2 served over real HTTP by its own small Django project (django_scim2_app), in
a subprocess (this process has our settings): the suite's second, independent SCIM server."""

import pytest

SCIM_TOKEN = "scim-test-token-7f3a9c"  # the same token as conftest's scim2-server

DJANGO_SCIM2_APP = "tests.scim_servers.django_scim2_app"


def _django_scim2_failed(message, log_path):
    stderr = log_path.read_text(errors="replace") if log_path.exists() else ""
    report = f"The django-scim2 SCIM server {message}.\n--- its stderr ---\n{stderr}"
    pytest.fail(report, pytrace=False)


@pytest.fixture(scope="session")
def django_scim2_server_process(tmp_path_factory):
    """django-scim2 served over real HTTP by its own small Django project
    (tests/scim_servers/django_scim2_app), in a subprocess: this process has our settings.
    `.url` is its SCIM base URL (http://127.0.0.1:PORT/scim/v2), `.token` its bearer token."""
    import os
    import queue
    import subprocess
    import sys
    import threading
    from importlib.util import find_spec
    from pathlib import Path
    from types import SimpleNamespace

    if find_spec("django_scim") is None:
        pytest.fail("django-scim2 is not installed: `make install` installs it.", pytrace=False)
    workdir = tmp_path_factory.mktemp("django-scim2")
    log_path = workdir / "stderr.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": f"{DJANGO_SCIM2_APP}.settings"}
    command = [sys.executable, "-m", DJANGO_SCIM2_APP, "--port", "0", "--token", SCIM_TOKEN]
    command += ["--db", str(workdir / "db.sqlite3")]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    lines = queue.Queue()

    def read_stdout():  # also keeps the pipe drained for the server's whole life
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read_stdout, daemon=True).start()
    ready = "SCIM server ready at "
    url = None
    try:
        while url is None:
            line = lines.get(timeout=30)
            if line is None:
                _django_scim2_failed(f"exited ({process.wait()}) before it was ready", log_path)
            if line.startswith(ready):
                url = line[len(ready) :].strip()
    except queue.Empty:
        process.kill()
        process.wait()
        _django_scim2_failed("was not ready after 30 s", log_path)
    try:
        yield SimpleNamespace(
            url=url,
            token=SCIM_TOKEN,
            reset_url=url.removesuffix("/scim/v2") + "/test/reset",
            process=process,
            log_path=log_path,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def django_scim2_server(django_scim2_server_process):
    """The session's django-scim2 server, emptied (no users, no groups) for this test."""
    import requests

    server = django_scim2_server_process
    if server.process.poll() is not None:
        _django_scim2_failed(f"has exited ({server.process.returncode})", server.log_path)
    response = requests.post(
        server.reset_url, headers={"Authorization": f"Bearer {server.token}"}, timeout=10
    )
    assert response.status_code == 204, (response.status_code, response.text)
    return server
