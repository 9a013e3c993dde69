"""Deliver the e-mail outbox over SMTP: retried with back-off, never dropped, never lost.

Delivery guarantee: **at least once**. Each e-mail is first *claimed* (an atomic, compare-and-set
UPDATE that moves its ``next_attempt_at`` past the run's clock, committed at once), then sent,
then marked sent and committed on its own. So:

- two runners at the same time never send the same e-mail: only one claim can succeed, on SQLite
  and PostgreSQL alike;
- a runner that dies after claiming but before the server took the message leaves a claim that
  simply lapses (``CLAIM_SECONDS``): the e-mail is tried again later, not lost;
- a runner that dies in the instant between the server accepting the message and the commit
  loses the status of that one message, which is then sent again once the claim lapses.

We prefer that rare duplicate to the alternative (at most once: a mail lost for good when the
process dies mid-send), because these notices carry deadlines (answer a request, evaluate): a
missing one costs more than a repeated one. The Message-ID header is stable across retries, so
mail clients can recognise and fold a duplicate.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models_base import utcnow
from .models import EmailStatus, OutboxEmail

#: Errors that concern one message only: the connection stays usable for the next one.
MESSAGE_ERRORS: tuple[type[BaseException], ...] = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPNotSupportedError,
    ValueError,  # a header the e-mail package refuses (e.g. a line break in an address)
    UnicodeError,
)
#: Errors that end the connection: every e-mail left in this run is retried later.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    failed: int = 0
    #: Why the run could not reach (or lost) the server, if it did.
    connection_error: str | None = None


def deliver_due_emails(now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """Send the queued e-mails that are due, over one SMTP connection; commit per e-mail."""
    now = now or utcnow()
    config = current_app.config
    limit = limit or int(config["MAIL_BATCH_SIZE"])
    report = DeliveryReport()
    due_ids = list(
        db.session.scalars(
            select(OutboxEmail.id)
            .where(OutboxEmail.status == EmailStatus.QUEUED, OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(limit)
        )
    )
    db.session.commit()  # end the read transaction: claims below each commit on their own
    if not due_ids:
        return report

    try:
        connection = _connect(config)
    except CONNECTION_ERRORS as error:
        report.connection_error = _describe(error)
        current_app.logger.warning("Mail server unreachable: %s", report.connection_error)
        _fail_remaining(due_ids, error, now, report)
        return report

    try:
        for position, email_id in enumerate(due_ids):
            email = _claim(email_id, now)
            if email is None:
                continue  # another runner has it, or it is no longer due
            try:
                connection.send_message(_message(email, now), to_addrs=[email.to_address])
            except MESSAGE_ERRORS as error:
                _record_failure(email, error, now)
                report.failed += 1
                continue
            except CONNECTION_ERRORS as error:
                report.connection_error = _describe(error)
                current_app.logger.warning("Mail server lost: %s", report.connection_error)
                _record_failure(email, error, now)
                report.failed += 1
                _fail_remaining(due_ids[position + 1 :], error, now, report)
                break
            email.status = EmailStatus.SENT
            email.sent_at = now
            email.attempts += 1
            email.last_error = None
            db.session.commit()
            report.sent += 1
    finally:
        _close(connection)
    return report


def retry_delay(attempts: int) -> timedelta:
    """Return the wait after the given number of failed attempts: 1, 2, 4 … capped minutes."""
    config = current_app.config
    base = int(config["MAIL_RETRY_BASE_SECONDS"])
    ceiling = int(config["MAIL_RETRY_MAX_SECONDS"])
    exponent = min(max(attempts - 1, 0), 30)
    return timedelta(seconds=min(base * 2**exponent, ceiling))


def claim_seconds() -> int:
    """Return how long a claim keeps other runners off an e-mail being sent."""
    return max(600, 10 * int(current_app.config["MAIL_TIMEOUT_SECONDS"]))


def _claim(email_id: int, now: datetime) -> OutboxEmail | None:
    """Take an e-mail for this run with one atomic UPDATE; None when someone else has it."""
    result = db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id == email_id,
            OutboxEmail.status == EmailStatus.QUEUED,
            OutboxEmail.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + timedelta(seconds=claim_seconds()))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(OutboxEmail, email_id, populate_existing=True)


def _record_failure(email: OutboxEmail, error: BaseException, now: datetime) -> None:
    """Keep the e-mail queued, note why and when to try again, and commit."""
    email.attempts += 1
    email.last_error = _describe(error)[:2000]
    email.next_attempt_at = now + retry_delay(email.attempts)
    db.session.commit()


def _fail_remaining(
    email_ids: list[int], error: BaseException, now: datetime, report: DeliveryReport
) -> None:
    """Record a connection failure on every e-mail of the run this runner can claim."""
    for email_id in email_ids:
        email = _claim(email_id, now)
        if email is not None:
            _record_failure(email, error, now)
            report.failed += 1


def _connect(config: Any) -> smtplib.SMTP:
    """Open one SMTP connection as configured (TLS, STARTTLS, login)."""
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    timeout = float(config["MAIL_TIMEOUT_SECONDS"])
    connection: smtplib.SMTP
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            connection.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except BaseException:
        connection.close()
        raise
    return connection


def _close(connection: smtplib.SMTP) -> None:
    """Say goodbye politely; a server already gone is no error."""
    try:
        connection.quit()
    except CONNECTION_ERRORS:
        connection.close()


def _message(email: OutboxEmail, now: datetime) -> EmailMessage:
    """Build the plain-text UTF-8 message of an outbox row."""
    sender = str(current_app.config["MAIL_FROM"])
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = " ".join(email.subject.split())
    message["Date"] = format_datetime(now)
    # Stable across retries, so that a rare duplicate (see the module docstring) is recognisable.
    message["Message-ID"] = f"<notice-{email.notification_id}.mail-{email.id}@{domain}>"
    message.set_content(email.body, charset="utf-8")
    return message


def _describe(error: BaseException) -> str:
    """Return a one-line description of a delivery error."""
    return f"{type(error).__name__}: {error}".strip()
