"""`manage.py seed_demo` as `make run` prints it, and the times it gives what it seeds.

The seeding tells the demo's people what happened (e-mails, in-app notifications): none of it is
printed, so that the last lines before the server starts are the logins and how to sign in. And
each step of a story is stamped with the story's moment, in the access log and the inbox too, so
that a case opened in August was not, by its log, created today.
"""

import io
import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AccessLog
from cases.models import Case
from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    from fusionportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


@pytest.fixture
def seeded(settings, capsys, caplog):
    # As `make run` has it: e-mails to the console, the root logger at INFO.
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    caplog.set_level(logging.INFO)
    began = timezone.now()
    out = io.StringIO()
    call_command("seed_demo", force=True, stdout=out)
    printed = capsys.readouterr()
    return {
        "began": began, "out": out.getvalue(), "console": printed.out + printed.err,
        "logged": [record for record in caplog.records if record.levelno >= logging.INFO],
    }


def test_seeding_prints_no_email_and_no_task_line(seeded):
    assert Notification.objects.exists()  # the demo's people were told, in the portal
    assert "Subject:" not in seeded["console"]
    assert seeded["console"].strip() == ""
    assert [record.getMessage() for record in seeded["logged"]] == []
    assert len(seeded["out"].splitlines()) < 25


def test_the_last_lines_are_the_logins_and_how_to_sign_in(seeded):
    lines = seeded["out"].strip().splitlines()
    assert "Demo logins" in lines[-13] and "fusion-portal-demo" in lines[-13]
    assert lines[-10].split()[0] == "admin" and lines[-3].split()[0] == "analyst_tx"
    assert "consent" in lines[-1] and "tick" in lines[-1]


def test_the_log_and_the_inbox_carry_the_times_of_the_story(seeded):
    case = Case.objects.get(number="MBI-HT-0042")
    # The story opened the case weeks ago; its log row says so, not the time of the seeding.
    assert case.created_at < seeded["began"] - timedelta(days=7)
    opened = AccessLog.objects.get(action="create", object_type="case", object_id=case.pk)
    assert opened.at == case.created_at
    # Every row of the seeding's stories lies in the story's past (two hours before, at least).
    assert not AccessLog.objects.filter(
        object_type__in=["case", "intelligenceitem", "annotation", "share"],
        at__gte=seeded["began"] - timedelta(hours=2),
    ).exists()
    alerts = Notification.objects.filter(case=case).select_related("event")
    assert alerts and all(note.created_at == note.event.created_at for note in alerts)
    assert all(note.created_at < seeded["began"] - timedelta(hours=2) for note in alerts)
