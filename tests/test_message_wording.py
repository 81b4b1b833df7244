"""Small words that make the console read finished: "just now" rather than "0 minutes ago",
proper plurals rather than "account(s)", and a full stop before "Retrying at"."""

from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

from django.core.management import call_command
from django.template import Context, Template
from django.utils import timezone

from bitium.templatetags.console import ago
from provisioning.results import sentence


def test_a_moment_ago_is_just_now():
    now = timezone.now()
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now - timedelta(minutes=3), now) == "3\xa0minutes ago"
    assert ago(None) == ""


def test_the_filter_renders_in_templates():
    page = Template("{% load console %}{{ when|ago }}").render(Context({"when": timezone.now()}))
    assert page == "just now"


def test_messages_end_their_sentence_before_retrying_at():
    assert sentence("The app said: Service unavailable") == "The app said: Service unavailable."
    assert sentence("The app had an error (500).") == "The app had an error (500)."


def test_the_retry_message_reads_as_two_sentences(monkeypatch):
    from provisioning import results

    job = SimpleNamespace(attempts=1, action="create", account=SimpleNamespace())
    outcome = SimpleNamespace(
        job=job, uncount=False, retry_after=None, message="The app said: unavailable"
    )
    monkeypatch.setattr(results, "move", lambda *args, **kwargs: None)
    results.retrying(outcome, timezone.now())
    assert "unavailable. Retrying at " in outcome.message


def test_the_jobs_command_counts_in_words(admin):
    out = StringIO()
    call_command("jobs", stdout=out)
    assert "0 jobs." in out.getvalue() and "(s)" not in out.getvalue()
