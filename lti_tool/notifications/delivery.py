"""Deliver the e-mail outbox over SMTP through the one outbox mechanism (``lti_tool.outbox``).

Delivery guarantee: **at least once**, with the exact duplicate window stated in the README.
E-mails are claimed in batches with one statement; each is sent on its own over one SMTP
connection, and the batch is marked sent and committed together. So:

- two runners at the same time never send the same e-mail: a claim takes a row for one run only,
  on SQLite and PostgreSQL alike;
- a failure charges only its e-mail: a refused recipient or message leaves the connection in
  use; a connection lost or timed out while one e-mail was being sent (the server may have
  stored it) charges that e-mail, and the run reconnects for the next ones, so one bad message
  never blocks the others; only when the server cannot be reached at all is every e-mail of the
  batch charged (and the run stops);
- after ``outbox_max_attempts`` failed attempts the e-mail is marked failed, shown to staff and
  admins, never dropped;
- a runner that dies after the server accepted some e-mails of its batch and before the batch's
  commit sends those again once their claim lapses.

A duplicate is preferred to a lost notice, because these notices carry deadlines. The Message-ID
header is the same on every attempt, so mail clients recognise and fold a duplicate.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app

from ..extensions import db
from ..models_base import utcnow
from ..outbox import Outbox, RetryPolicy, register
from ..outbox import retry_delay as outbox_retry_delay
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
#: Errors that end the connection: the e-mail being sent is charged, the next reconnects.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    failed: int = 0
    #: Why the run could not reach (or lost) the server, if it did.
    connection_error: str | None = None
    #: E-mails marked failed for good in this run (the attempt cap).
    gave_up: int = 0


OUTBOX = register(
    Outbox(
        model=OutboxEmail,
        queued=EmailStatus.QUEUED,
        done=EmailStatus.SENT,
        failed=EmailStatus.FAILED,
        done_at="sent_at",
    )
)


def deliver_due_emails(
    now: datetime | None = None, limit: int | None = None, *, deadline: float | None = None
) -> DeliveryReport:
    """Send the due e-mails batch by batch until none is due or the run's time is up.

    ``limit`` caps the e-mails of this call (default: no cap); ``deadline`` is a
    ``time.monotonic()`` moment after which no further e-mail is started (default: the policy's
    ``jobs_run_seconds`` from now).
    """
    now = now or utcnow()
    policy = RetryPolicy.from_config()
    deadline = deadline if deadline is not None else time.monotonic() + policy.run_seconds
    report = DeliveryReport()
    sender = _Sender(current_app.config)
    try:
        while limit is None or report.sent + report.failed < limit:
            size = policy.batch_size if limit is None else min(policy.batch_size, limit)
            token = OUTBOX.new_token()
            batch = OUTBOX.claim_batch(now, token, limit=size, policy=policy)
            db.session.commit()
            if not batch:
                break
            stop = _deliver_batch(batch, token, now, policy, deadline, sender, report)
            db.session.commit()
            if stop or len(batch) < size:
                break
    except BaseException:
        db.session.rollback()
        raise
    finally:
        sender.close()
    return report


def _deliver_batch(
    batch: list[OutboxEmail],
    token: str,
    now: datetime,
    policy: RetryPolicy,
    deadline: float,
    sender: _Sender,
    report: DeliveryReport,
) -> bool:
    """Try each claimed e-mail on its own; return True when the run should stop."""
    sent: list[OutboxEmail] = []
    stop = False
    for position, email in enumerate(batch):
        if time.monotonic() >= deadline:
            OUTBOX.release(batch[position:], token, now)  # the next run takes them at once
            stop = True
            break
        try:
            connection = sender.connection()
        except CONNECTION_ERRORS as error:
            report.connection_error = _describe(error)
            current_app.logger.warning("Mail server unreachable: %s", report.connection_error)
            for waiting in batch[position:]:
                _fail(waiting, error, now, token, policy, report)
            stop = True
            break
        try:
            connection.send_message(_message(email, now), to_addrs=[email.to_address])
        except MESSAGE_ERRORS as error:
            _fail(email, error, now, token, policy, report)
            continue
        except CONNECTION_ERRORS as error:
            # The server may have stored it before the connection broke: this e-mail alone is
            # charged (and sent again later); the next one gets a new connection.
            report.connection_error = _describe(error)
            current_app.logger.warning("Mail server lost: %s", report.connection_error)
            sender.drop()
            _fail(email, error, now, token, policy, report)
            continue
        sent.append(email)
    report.sent += OUTBOX.mark_done(sent, token, now)
    return stop


class _Sender:
    """One SMTP connection for a run, opened when first needed and again after a loss."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self._connection: smtplib.SMTP | None = None

    def connection(self) -> smtplib.SMTP:
        if self._connection is None:
            self._connection = _connect(self.config)
        return self._connection

    def drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        if self._connection is not None:
            _close(self._connection)
            self._connection = None


def _fail(
    email: OutboxEmail,
    error: BaseException,
    now: datetime,
    token: str,
    policy: RetryPolicy,
    report: DeliveryReport,
) -> None:
    report.failed += 1
    if OUTBOX.record_failure(email, _describe(error), now, token, policy):
        report.gave_up += 1


def retry_delay(attempts: int) -> timedelta:
    """Return the wait after the given number of failed attempts (the one outbox policy)."""
    return outbox_retry_delay(attempts)


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
