"""Jobs in batches (issue 12, acceptance 5): claimed, sent and committed per batch, the run
bounded by time rather than count, fewer than 1.5 statements per e-mail, no lock a web request
waits for."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from sqlalchemy import event, select

from lti_tool.extensions import db
from lti_tool.notifications.delivery import deliver_due_emails
from lti_tool.notifications.models import EmailStatus, Notification, OutboxEmail
from lti_tool.notifications.operations import notify
from tests.notifications.support import SmtpSink, now
from tests.support.factories import make_course, make_member

EMAILS = 120


@contextmanager
def counting():
    """Count the SQL statements and commits sent to the database."""
    counts = {"statements": 0, "commits": 0, "claims": 0}
    engine = db.engine

    def on_statement(conn, cursor, statement, *args, **kwargs):
        counts["statements"] += 1
        counts["claims"] += statement.lstrip().startswith("WITH due")

    def on_commit(*args, **kwargs):
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)


def _queue(count: int) -> None:
    course = make_course()
    for number in range(count):
        member = make_member(course, email=f"p{number}@example.org")
        notify(member, "request_received", link="/x", mentee="Zoë", course="C", due="soon")
    db.session.commit()


def test_one_run_sends_every_due_email_in_batches_with_few_statements(app, smtp):
    app.config.update(OUTBOX_BATCH_SIZE=50)
    _queue(EMAILS)
    start = now()

    with counting() as counts:
        report = deliver_due_emails(start)

    assert report.sent == EMAILS  # one run, not a count per run
    assert len(smtp.envelopes) == EMAILS
    assert counts["statements"] / EMAILS < 1.5
    # Three batches (50, 50, 20), each claimed in one statement, then the claim that finds none.
    assert counts["claims"] == 4
    assert counts["commits"] == 2 * 3 + 1  # each batch: its claim, then its outcomes
    assert (
        db.session.scalar(
            select(db.func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.status != EmailStatus.SENT)
        )
        == 0
    )


class BlockingSmtp(SmtpSink):
    """A real SMTP server that holds the first message until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = threading.Event()
        self.go_on = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.inside.set()
        while not self.go_on.is_set():
            import asyncio

            await asyncio.sleep(0.01)
        self.envelopes.append(envelope)
        return "250 OK"


def test_a_run_in_the_middle_of_a_batch_holds_no_lock_a_web_request_waits_for(app):
    sink = BlockingSmtp()
    sink.configure(app)
    sink.start()
    try:
        _queue(3)
        start = now()
        reports = []

        def runner() -> None:
            with app.app_context():
                reports.append(deliver_due_emails(start))
                db.session.remove()

        thread = threading.Thread(target=runner)
        thread.start()
        assert sink.inside.wait(10)  # the runner is mid-batch, its claims committed

        # Meanwhile a web request writes to the same tables: a new notice and its e-mail, and
        # a notice of the batch marked read.
        done = threading.Event()

        def web_request() -> None:
            with app.app_context():
                notice = db.session.scalars(select(Notification).order_by(Notification.id)).first()
                notice.read_at = start
                member = notice.recipient
                notify(member, "request_received", link="/y", mentee="Ada", course="C", due="1")
                db.session.commit()
                db.session.remove()
                done.set()

        writer = threading.Thread(target=web_request)
        writer.start()
        writer.join(30)
        finished_while_runner_waits = done.is_set() and not sink.go_on.is_set()
        sink.go_on.set()
        thread.join(30)
        assert finished_while_runner_waits
        assert reports[0].sent == 3
    finally:
        sink.go_on.set()
        sink.stop()
