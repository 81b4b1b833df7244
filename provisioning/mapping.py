"""Step 6 of Method 1: read the app's accounts (matching.py then matches them to people).

Reading stores every account nobody in the console owns yet as a discovered AppAccount, page
by page (a large app is read in the background, with progress), and notes where an owned
account differs in the app (drift). The reading is kept: it is read again on the admin's
button and by the daily upkeep, not on every visit."""

from django.utils import timezone

from .models import AccountRead, AppAccount
from .status import Status

BATCH = 500


def read_accounts(app, connector, run=None):
    """Records the app's accounts the console does not track yet; returns how many it read."""
    tracked = AppAccount.objects.filter(app=app).exclude(remote_id="")
    held = {
        remote_id: (pk, username, email, drift)
        for pk, remote_id, username, email, drift in tracked.filter(user__isnull=False).values_list(
            "pk", "remote_id", "username", "email", "drift"
        )
    }
    known = set(tracked.values_list("remote_id", flat=True))
    drifted = {}
    batch, count, problems, problem_count = [], 0, [], 0
    for remote in connector.list_accounts():
        if remote.problem:  # read in part, or (no id) not at all: the admin is told which
            problem_count += 1
            if len(problems) < AccountRead.PROBLEMS_KEPT:
                problems.append(
                    {"id": remote.remote_id or remote.username, "problem": remote.problem}
                )
        if not remote.remote_id:
            continue
        count += 1
        if remote.remote_id in held:
            pk, username, email, drift = held[remote.remote_id]
            found = drift_of(remote, username, email)
            if found != drift:
                drifted[pk] = found
        if remote.remote_id not in known:
            known.add(remote.remote_id)
            batch.append(
                AppAccount(
                    organization_id=app.organization_id,
                    app=app,
                    remote_id=remote.remote_id,
                    username=remote.username,
                    email=remote.email,
                    first_name=remote.first_name,
                    last_name=remote.last_name,
                    status=Status.ACTIVE,
                    origin=AppAccount.Origin.DISCOVERED,
                )
            )
        if len(batch) >= BATCH:
            AppAccount.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
            if run is not None:
                AccountRead.objects.filter(pk=run.pk).update(read_count=count)
    AppAccount.objects.bulk_create(batch, batch_size=BATCH, ignore_conflicts=True)
    for pk, drift in drifted.items():  # few: the accounts the app changed behind our back
        AppAccount.objects.filter(pk=pk).update(drift=drift)
    if run is not None:
        AccountRead.objects.filter(pk=run.pk).update(
            read_count=count,
            state=AccountRead.State.DONE,
            finished_at=timezone.now(),
            problems=problems,
            problem_count=problem_count,
        )
    return count


def drift_of(remote, username, email):
    """How a person's account in the app differs from the console's record of it."""
    drift = {}
    if not remote.active:
        drift["active"] = False
    if remote.username and username and remote.username.casefold() != username.casefold():
        drift["username"] = remote.username
    if remote.email and email and remote.email.casefold() != email.casefold():
        drift["email"] = remote.email
    return drift


# Apps the vendor says are this small are read while the admin waits; others in the
# background with progress. A reading is kept: the admin's "Read the accounts again" and the
# daily upkeep (upkeep.reread_apps) read again, a visit does not.
INLINE_READ_LIMIT = 500
STALE_RUN_SECONDS = 600  # a reading running longer than this was lost with its worker


def current_read(app, connection, refresh=False):
    """The reading the mapping shows: the last one, one running, or one started now."""
    from django.db import transaction

    from .services import connector_for

    run = AccountRead.objects.filter(app=app).first()
    age = (timezone.now() - run.started_at).total_seconds() if run else None
    if run and not refresh:
        if run.state == AccountRead.State.RUNNING and age < STALE_RUN_SECONDS:
            return run
        if run.state == AccountRead.State.DONE:
            return run
    expected = (connection.server_info or {}).get("accounts")
    run = AccountRead.objects.create(
        organization_id=app.organization_id, app=app, expected_count=expected
    )
    if expected is not None and expected <= INLINE_READ_LIMIT:
        read_accounts(app, connector_for(app, connection), run)  # ConnectorError: caller's
        run.refresh_from_db()
    else:
        from .tasks import read_accounts as read_task

        transaction.on_commit(lambda: read_task.delay(str(app.organization_id), run.pk))
    return run


def read_in_background(run_id):
    from .connectors.errors import ConnectorError
    from .services import connector_for

    run = AccountRead.objects.select_related("app__catalog_app").get(pk=run_id)
    try:
        return read_accounts(run.app, connector_for(run.app), run)
    except ConnectorError as error:
        AccountRead.objects.filter(pk=run.pk).update(
            state=AccountRead.State.FAILED, error=error.message, finished_at=timezone.now()
        )
