"""The e-mail outbox is delivered over real SMTP: retried with back-off, never lost, sent once."""

from __future__ import annotations

import smtplib
import threading
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.notifications.delivery import deliver_due_emails, retry_delay
from lti_tool.notifications.messages import NOTICES
from lti_tool.notifications.models import EmailStatus, Notification, OutboxEmail
from lti_tool.notifications.operations import notify, render_notice
from lti_tool.people.models import CourseRole
from tests.conftest import count_rows
from tests.notifications.support import SmtpSink, now
from tests.support.factories import make_course, make_member


def _queue_request_notice(member, mentee="Zoë Müller"):
    notification = notify(
        member,
        "request_received",
        link=f"/course/{member.course_id}/notifications",
        mentee=mentee,
        course="Mentoring · Corso 2026",
        due="29 novembre 2026",
    )
    db.session.commit()
    return notification


def _outbox():
    return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


def test_due_email_arrives_in_the_recipients_language(app, smtp):
    course = make_course()
    mentor = make_member(
        course, CourseRole.MENTOR, name="Niccolò Ferraù", email="niccolo@example.org", locale="it"
    )
    notification = _queue_request_notice(mentor)

    report = deliver_due_emails()

    assert (report.sent, report.failed, report.connection_error) == (1, 0, None)
    [envelope] = smtp.envelopes
    assert envelope.mail_from == "mentoring@localhost"
    assert envelope.rcpt_tos == ["niccolo@example.org"]
    [message] = smtp.messages
    subject, body = render_notice(notification, "it")
    with force_locale("it"):
        assert subject == str(NOTICES["request_received"].subject) % notification.params
    assert message["Subject"] == subject
    assert "Zoë Müller" in message["Subject"]
    assert message["To"] == "niccolo@example.org"
    assert message["From"] == "Mentoring <mentoring@localhost>"
    assert message["Date"] and message["Message-ID"].endswith("@localhost>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n").rstrip("\n") == body
    assert body.endswith(f"http://tool.test/course/{course.id}/notifications")
    email = _outbox()[0]
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 1, None)
    assert email.sent_at is not None

    assert deliver_due_emails().sent == 0  # nothing is sent twice
    assert len(smtp.envelopes) == 1


def test_nothing_due_means_no_connection(app, smtp):
    assert deliver_due_emails().sent == 0
    assert smtp.connections == 0


def test_server_down_keeps_mail_queued_and_delivers_it_once_it_is_up(app, monkeypatch):
    sink = SmtpSink()
    sink.configure(app)  # configured, but not started: the port refuses connections
    course = make_course()
    for number in range(3):
        member = make_member(course, name=f"P{number}", email=f"p{number}@example.org")
        _queue_request_notice(member)
    start = now()

    attempts = []
    real_connect = smtplib.SMTP.connect

    def counting_connect(self, *args, **kwargs):
        attempts.append(args)
        return real_connect(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", counting_connect)
    report = deliver_due_emails(start)
    assert len(attempts) == 1  # one refused connection, not one per e-mail
    monkeypatch.undo()

    assert (report.sent, report.failed) == (0, 3)
    assert "ConnectionRefusedError" in report.connection_error
    for email in _outbox():
        assert email.status == EmailStatus.QUEUED
        assert email.attempts == 1
        assert "ConnectionRefusedError" in email.last_error
        assert email.next_attempt_at == start + timedelta(minutes=1)

    assert deliver_due_emails(start + timedelta(seconds=30)).failed == 0  # backing off
    report = deliver_due_emails(start + timedelta(minutes=1))
    assert report.failed == 3
    assert {email.attempts for email in _outbox()} == {2}
    assert {email.next_attempt_at for email in _outbox()} == {start + timedelta(minutes=3)}

    sink.start()
    try:
        report = deliver_due_emails(start + timedelta(minutes=3))
        assert (report.sent, report.failed) == (3, 0)
        assert sorted(rcpt for env in sink.envelopes for rcpt in env.rcpt_tos) == [
            "p0@example.org",
            "p1@example.org",
            "p2@example.org",
        ]
        assert sink.connections == 1  # one connection for the whole run
        assert deliver_due_emails(start + timedelta(hours=5)).sent == 0
        assert len(sink.envelopes) == 3  # exactly once
    finally:
        sink.stop()
    assert {(email.status, email.attempts) for email in _outbox()} == {(EmailStatus.SENT, 3)}


@pytest.mark.parametrize(
    ("attempts", "minutes"),
    [(1, 1), (2, 2), (3, 4), (4, 8), (6, 32), (7, 60), (20, 60), (500, 60)],
)
def test_back_off_doubles_up_to_an_hour(app, attempts, minutes):
    assert retry_delay(attempts) == timedelta(minutes=minutes)


def test_a_refused_recipient_is_retried_while_the_others_are_delivered(app):
    sink = SmtpSink(refuse=("gone@example.org",))
    sink.configure(app)
    sink.start()
    try:
        course = make_course()
        _queue_request_notice(make_member(course, email="gone@example.org"))
        _queue_request_notice(make_member(course, email="here@example.org"))
        start = now()

        report = deliver_due_emails(start)

        assert (report.sent, report.failed, report.connection_error) == (1, 1, None)
        assert [env.rcpt_tos for env in sink.envelopes] == [["here@example.org"]]
        gone, here = _outbox()
        assert gone.status == EmailStatus.QUEUED and "SMTPRecipientsRefused" in gone.last_error
        assert gone.next_attempt_at == start + timedelta(minutes=1)
        assert here.status == EmailStatus.SENT
    finally:
        sink.stop()


def test_an_address_that_would_inject_headers_is_never_sent(app, smtp):
    course = make_course()
    member = make_member(course, email="victim@example.org")
    _queue_request_notice(member)
    email = _outbox()[0]
    email.to_address = "victim@example.org\r\nBcc: all@example.org"
    db.session.commit()
    _queue_request_notice(make_member(course, email="fine@example.org"))

    report = deliver_due_emails()

    assert (report.sent, report.failed) == (1, 1)
    assert [env.rcpt_tos for env in smtp.envelopes] == [["fine@example.org"]]
    assert _outbox()[0].status == EmailStatus.QUEUED


def test_people_without_an_email_address_get_the_in_tool_notice_only(app, smtp):
    course = make_course()
    member = make_member(course, name="No Mail")

    notification = _queue_request_notice(member)

    assert notification is not None
    assert count_rows(Notification, OutboxEmail) == {"notification": 1, "outbox_email": 0}
    assert deliver_due_emails().sent == 0
    assert smtp.envelopes == []


def test_two_runners_at_once_send_each_email_exactly_once(app, smtp):
    course = make_course()
    for number in range(12):
        _queue_request_notice(make_member(course, email=f"m{number}@example.org"))
    start = now()
    reports = []

    def runner() -> None:
        with app.app_context():
            reports.append(deliver_due_emails(start))
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(report.sent for report in reports) == 12
    recipients = [rcpt for env in smtp.envelopes for rcpt in env.rcpt_tos]
    assert sorted(recipients) == sorted(f"m{number}@example.org" for number in range(12))
    db.session.expire_all()
    assert {email.status for email in _outbox()} == {EmailStatus.SENT}


def test_an_email_claimed_by_another_runner_is_left_alone(app, smtp):
    course = make_course()
    _queue_request_notice(make_member(course, email="once@example.org"))
    start = now()
    email = _outbox()[0]
    # Another runner claimed it a moment ago (its claim moves the e-mail past the clock).
    email.next_attempt_at = start + timedelta(minutes=10)
    db.session.commit()

    assert deliver_due_emails(start).sent == 0
    assert smtp.envelopes == []
    # A runner that died holding the claim does not lose the e-mail: the claim lapses.
    assert deliver_due_emails(start + timedelta(minutes=10)).sent == 1
