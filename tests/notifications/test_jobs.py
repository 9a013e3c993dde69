"""`flask --app lti_tool jobs run-due`: the counts it prints, the clock it takes, a mail server
that is down and then up again."""

from __future__ import annotations

from datetime import timedelta

from lti_tool.extensions import db
from lti_tool.notifications.models import EmailStatus, OutboxEmail
from lti_tool.notifications.operations import notify
from tests.notifications.support import SmtpSink, now
from tests.support.factories import make_course, make_member


def _counts(result):
    assert result.exit_code == 0, result.output
    return dict(line.split(": ") for line in result.output.strip().splitlines())


def test_run_due_prints_every_count(runner):
    result = runner.invoke(args=["jobs", "run-due"])

    assert result.output.splitlines() == [
        "reminders: 0",
        "expired: 0",
        "escalated: 0",
        "auto_busy: 0",
        "emails_sent: 0",
        "emails_failed: 0",
        "scores_posted: 0",
        "scores_failed: 0",
        "roster_pages: 0",
        "anonymised: 0",
    ]


def test_now_must_be_iso_8601(runner):
    result = runner.invoke(args=["jobs", "run-due", "--now", "next tuesday"])

    assert result.exit_code == 2
    assert "not an ISO-8601 date and time" in result.output


def test_mail_queued_while_the_server_is_down_goes_out_once_it_is_up(app, runner):
    sink = SmtpSink()
    sink.configure(app)
    course = make_course()
    notify(make_member(course, email="ada@example.org"), "request_withdrawn", mentee="Bob")
    notify(make_member(course), "request_withdrawn", mentee="Bob")  # no address: inbox only
    db.session.commit()
    start = (now() + timedelta(seconds=1)).replace(microsecond=0, tzinfo=None)  # naive: UTC

    down = _counts(runner.invoke(args=["jobs", "run-due", "--now", start.isoformat()]))
    assert (down["emails_sent"], down["emails_failed"]) == ("0", "1")
    db.session.expire_all()
    email = db.session.query(OutboxEmail).one()
    assert (email.status, email.attempts) == (EmailStatus.QUEUED, 1)
    assert email.last_error

    sink.start()
    try:
        later = ["jobs", "run-due", "--now", (start + timedelta(minutes=5)).isoformat()]
        assert _counts(runner.invoke(args=later))["emails_sent"] == "1"
        assert _counts(runner.invoke(args=later))["emails_sent"] == "0"
    finally:
        sink.stop()
    assert [env.rcpt_tos for env in sink.envelopes] == [["ada@example.org"]]
