"""The fixed cast: TestCo with an admin and a member; OtherCo with an admin of its own."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from accounts.models import Organization, User

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _unscoped_test_code(db):
    # Test code reads and writes rows of both organizations freely; each request still runs
    # inside its user's scope (the middleware enters it explicitly).
    with scopes_disabled():
        yield


def make_user(organization, email, role=User.Role.MEMBER, first="Test", last="Person", **extra):
    return User.objects.create_user(
        email,
        PASSWORD,
        organization=organization,
        first_name=first,
        last_name=last,
        role=role,
        **extra,
    )


@pytest.fixture
def testco():
    return Organization.objects.create(name="TestCo")


@pytest.fixture
def otherco():
    return Organization.objects.create(name="OtherCo")


@pytest.fixture
def admin(testco):
    return make_user(testco, "admin@testco.example", User.Role.ADMIN, "Alice", "Admin")


@pytest.fixture
def member(testco):
    return make_user(testco, "member@testco.example", User.Role.MEMBER, "Bob", "Member")


@pytest.fixture
def other_admin(otherco):
    return make_user(otherco, "admin@otherco.example", User.Role.ADMIN, "Charlie", "Outsider")


def signed_in(user):
    client = Client()
    client.force_login(user, backend="accounts.backends.EmailBackend")
    return client


@pytest.fixture
def as_admin(admin):
    return signed_in(admin)


@pytest.fixture
def as_member(member):
    return signed_in(member)


@pytest.fixture
def as_other_admin(other_admin):
    return signed_in(other_admin)


# --- a real SCIM server (pytest-scim2-server) that requires a bearer token ----------------

SCIM_TOKEN = "scim-test-token-7f3a9c"


@pytest.fixture(scope="session")
def scim2_server_app(scim2_server_storage, scim2_server_service):
    from scim2_server.applications.wsgi import WSGIApplication

    from provisioning.scim_server import bearer_token_required

    app = WSGIApplication(scim2_server_storage, scim2_server_service.provider, scim2_server_service)
    return bearer_token_required(app, SCIM_TOKEN)


@pytest.fixture
def scim_server(scim2_server, scim2_server_storage):
    """The session's SCIM server, emptied for this test; `.url` is its base URL."""
    scim2_server_storage.resources = []
    scim2_server.url = f"http://localhost:{scim2_server.port}/v2"
    scim2_server.storage = scim2_server_storage
    return scim2_server


def add_app(organization, catalog_key="scim", name="SCIM app"):
    from apps_catalog.models import CatalogApp, TenantApp

    return TenantApp.objects.create(
        organization=organization, catalog_app=CatalogApp.objects.get(key=catalog_key), name=name
    )


@pytest.fixture
def scim_app(testco, scim_server):
    """TestCo's SCIM app, connected to the real server with a good token."""
    from provisioning.services import connect

    app = add_app(testco)
    ok, message = connect(app, {"base_url": scim_server.url, "auth": "bearer", "token": SCIM_TOKEN})
    assert ok, message
    return app


@pytest.fixture
def vendor_app(testco):
    """TestCo's SCIM app whose vendor `responses` plays (tests/scim_payloads.py)."""
    from provisioning.models import Connection

    from .scim_payloads import BASE

    app = add_app(testco, name="Vendor SCIM")
    Connection.objects.create(
        organization=testco,
        app=app,
        state=Connection.State.CONNECTED,
        credentials={"base_url": BASE, "auth": "bearer", "token": "vendor-secret-token-123"},
        # As Confirm stores it for a server whose filters were proven to work.
        server_info={"filter": True, "filters": {"userName": True, "emails.value": True}},
    )
    return app


# --- a real Celery worker, in threads of the test process ---------------------------------


@pytest.fixture
def celery_worker():
    """Runs a real Celery worker (thread pool) on the configured broker for one test.

    Tests using it need `transaction=True`: the worker's threads read committed rows.
    """
    from celery.contrib.testing.worker import start_worker

    from bitium.celery import app

    app.conf.task_always_eager = False
    app.control.purge()
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=4,
            perform_ping_check=False,
            shutdown_timeout=30,
            loglevel="WARNING",
        ):
            yield app
    finally:
        app.conf.task_always_eager = True


def wait_for(condition, timeout=30.0, interval=0.05):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    raise AssertionError(f"still waiting after {timeout} s")


@pytest.fixture
def another_scim_server():
    """A second real SCIM server (threaded, bearer token) for tests that need two vendors."""
    from types import SimpleNamespace

    from scim2_server.memory import InMemoryStorage

    from provisioning.scim_server import bearer_token_required, scim_application, serve_in_thread

    storage = InMemoryStorage()
    server, url = serve_in_thread(bearer_token_required(scim_application(storage), SCIM_TOKEN))
    yield SimpleNamespace(url=url, storage=storage)
    server.shutdown()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs what waits for a commit (task sends, emails) at the end
    of the block, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def wait_until_settled(timeout=30.0):
    """Tests with a real worker end only when its follow-up work is done too (the welcome
    emails), so no worker thread still writes while the test database is flushed."""
    from provisioning.models import AppAccount, Job

    def settled():
        busy = Job.objects.filter(state__in=["queued", "running"]).exists()
        unannounced = AppAccount.objects.filter(
            user__isnull=False,
            origin="created",
            status__in=["created", "invited"],
            welcomed_at__isnull=True,
        ).exists()
        return not busy and not unannounced

    wait_for(settled, timeout=timeout)


# --- a second, independent real SCIM server: django-scim2, in a subprocess ----------------

from .scim_servers.fixtures import django_scim2_server, django_scim2_server_process  # noqa: E402,F401


@pytest.fixture(params=["scim2-server", "django-scim2"])
def server(request):
    """Each real SCIM server in turn: `.name`, `.url` (tests/scim_servers/helpers.py)."""
    from types import SimpleNamespace

    real = request.getfixturevalue(
        "scim_server" if request.param == "scim2-server" else "django_scim2_server"
    )
    return SimpleNamespace(name=request.param, url=real.url)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Each test starts with no sign-in failures or link requests counted."""
    from django.core.cache import cache

    cache.clear()
