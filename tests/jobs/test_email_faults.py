"""E-mail delivery under SMTP faults, against real aiosmtpd servers (issue 8, acceptance 2).

A server that (a) refuses a message, (b) stores a message and then drops the connection, or
(c) stores it and answers only after the client's timeout: no message blocks the others, none is
delivered more than twice, the attempt cap marks a message failed and visible, nothing is lost.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from lti_tool.admin import queries as admin_queries
from lti_tool.extensions import db
from lti_tool.monitoring import queries as monitoring
from lti_tool.notifications.delivery import UNCONFIRMED_NOTE, deliver_due_emails
from lti_tool.notifications.models import EmailStatus, OutboxEmail
from lti_tool.notifications.operations import notify
from lti_tool.outbox import give_up, retry_now
from tests.notifications.support import SmtpSink, now
from tests.support.factories import make_course, make_member

TIMEOUT = 1.0


class FaultySmtp(SmtpSink):
    """A real SMTP server that misbehaves for some recipients, and counts what it stored."""

    def __init__(self, refuse=(), drop=(), slow=()) -> None:
        super().__init__()
        self.refuse_data = set(refuse)
        self.drop = set(drop)
        self.slow = set(slow)

    def stored(self) -> Counter[str]:
        """How many times the server stored a message for each recipient."""
        return Counter(rcpt for envelope in self.envelopes for rcpt in envelope.rcpt_tos)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        [recipient] = envelope.rcpt_tos
        if recipient in self.refuse_data:
            return "554 5.7.1 Message refused"
        self.envelopes.append(envelope)
        if recipient in self.drop:
            server.transport.close()  # stored, then the connection is gone before "250"
            return "250 OK"
        if recipient in self.slow:
            await asyncio.sleep(TIMEOUT * 2)  # stored, but the answer comes too late
        return "250 OK"


@pytest.fixture
def faulty(app):
    sink = FaultySmtp(
        refuse=("refused@example.org",),
        drop=("dropped@example.org",),
        slow=("slow@example.org",),
    )
    sink.configure(app)
    app.config.update(MAIL_TIMEOUT_SECONDS=TIMEOUT, OUTBOX_MAX_ATTEMPTS=4)
    sink.start()
    yield sink
    sink.stop()


def _queue(course, address: str) -> None:
    member = make_member(course, email=address)
    notify(member, "request_received", link="/x", mentee="Zoë", course="C", due="soon")


def _emails() -> dict[str, OutboxEmail]:
    db.session.expire_all()
    return {email.to_address: email for email in db.session.scalars(select(OutboxEmail))}


def test_faulty_messages_never_block_the_others_and_end_failed_and_visible(app, faulty):
    course = make_course()
    good = [f"good{number}@example.org" for number in range(9)]
    bad = ["dropped@example.org", "slow@example.org", "refused@example.org"]
    # The faulty ones first, so that anything they block would show.
    for address in bad + good:
        _queue(course, address)
    db.session.commit()
    start = now()

    first = deliver_due_emails(start)

    assert (first.sent, first.failed) == (9, 3)
    assert all(faulty.stored()[address] == 1 for address in good)  # none blocked, none twice
    emails = _emails()
    assert emails["dropped@example.org"].status == EmailStatus.QUEUED
    assert emails["slow@example.org"].status == EmailStatus.QUEUED
    assert "SMTPServerDisconnected" in emails["dropped@example.org"].last_error
    assert emails["refused@example.org"].attempts == 1
    assert "554" in emails["refused@example.org"].last_error

    # The job runner keeps running, every hour, a day long.
    for hour in range(1, 25):
        deliver_due_emails(start + timedelta(hours=hour))

    stored = faulty.stored()
    assert all(stored[address] == 1 for address in good)
    # Stored without a confirmation: sent again once, never a third time.
    assert stored["dropped@example.org"] == 2
    assert stored["slow@example.org"] == 2
    assert stored["refused@example.org"] == 0
    emails = _emails()
    # Nothing lost: every e-mail is either sent or failed and kept, none still waits.
    assert {email.status for email in emails.values()} <= {EmailStatus.SENT, EmailStatus.FAILED}
    assert len(emails) == 12
    for address in ("dropped@example.org", "slow@example.org"):
        assert emails[address].status == EmailStatus.FAILED
        assert emails[address].last_error.startswith(UNCONFIRMED_NOTE)
        assert emails[address].attempts == 2
    refused = emails["refused@example.org"]
    assert (refused.status, refused.attempts) == (EmailStatus.FAILED, 4)  # the cap
    # Visible: the admin console lists the failed ones, and the figures count them.
    registration_id = course.deployment.registration_id
    listed = {email.to_address for email in admin_queries.outbox(registration_id).emails}
    assert listed == set(bad)
    assert monitoring.outbox_health(registration_id)["email"].failed == 3
    # Message-ID is the same on both deliveries of the same e-mail.
    ids = {
        envelope.content
        for envelope in faulty.envelopes
        if envelope.rcpt_tos == ["dropped@example.org"]
    }
    assert len({_message_id(content) for content in ids}) == 1


def _message_id(content: bytes) -> str:
    for line in content.decode().splitlines():
        if line.lower().startswith("message-id:"):
            return line
    raise AssertionError("no Message-ID")


def test_an_admin_retries_a_failed_email_once_and_gives_up_another(app, faulty):
    course = make_course()
    _queue(course, "refused@example.org")
    _queue(course, "later@example.org")
    db.session.commit()
    start = now()
    for hour in range(6):
        deliver_due_emails(start + timedelta(hours=hour))
    refused = _emails()["refused@example.org"]
    assert refused.status == EmailStatus.FAILED

    faulty.refuse_data.clear()  # the server's admin fixed it
    retry_now(refused, start + timedelta(hours=6))
    db.session.commit()
    assert deliver_due_emails(start + timedelta(hours=6)).sent == 1
    assert deliver_due_emails(start + timedelta(days=2)).sent == 0
    assert faulty.stored()["refused@example.org"] == 1
    assert _emails()["refused@example.org"].status == EmailStatus.SENT

    _queue(course, "unwanted@example.org")
    db.session.commit()
    unwanted = _emails()["unwanted@example.org"]
    give_up(unwanted, "Left the institution")
    db.session.commit()
    assert deliver_due_emails(start + timedelta(days=3)).sent == 0
    unwanted = _emails()["unwanted@example.org"]
    assert (unwanted.status, unwanted.given_up_reason) == (
        EmailStatus.FAILED,
        "Left the institution",
    )
    assert faulty.stored()["unwanted@example.org"] == 0
