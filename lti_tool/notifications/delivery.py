"""Deliver the e-mail outbox over SMTP with the tool's one outbox mechanism (``lti_tool.outbox``).

Delivery guarantee: **at least once**. A run claims a batch of due e-mails in one statement,
sends each on its own over one SMTP connection, and commits the batch's outcomes once. So:

- two runners (cron, workers, any number of hosts) never send the same e-mail: a claim is one
  atomic UPDATE with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a serialised write on SQLite;
- a failure charges that e-mail only: a refused recipient, a connection dropped or a reply that
  never came (the connection is opened again for the next e-mail); only a server that cannot be
  reached at all charges the batch it was meant for, and the run stops there;
- after ``outbox_max_attempts`` failed attempts an e-mail turns *failed*: kept, listed in the
  admin console with the server's last answer, retried only when an admin says so;
- **duplicates**: an e-mail is sent again only when the server may have stored it without
  confirming it (connection lost or timed out after the message body was sent), or when the
  runner dies after sending but before its batch was committed (at most one batch,
  ``outbox_batch_size`` e-mails, is then sent again once the claim lapses after
  ``outbox_claim_seconds``). An e-mail left unconfirmed twice is not sent a third time: it turns
  failed with a note that it may have arrived. So no e-mail is delivered more than twice from
  server faults; the Message-ID header is the same on every attempt, so mail clients fold a
  duplicate.

We prefer that rare duplicate to the alternative (at most once: a mail lost for good when the
process dies mid-send), because these notices carry deadlines (answer a request, evaluate): a
missing one costs more than a repeated one.
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

from ..models_base import utcnow
from ..outbox import Deadline, Outbox, RetryPolicy, retry_policy, run_batches
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
#: Errors that end the connection: the e-mail in flight is charged, the next one reconnects.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)
#: Unconfirmed sends (server maybe stored it) after which an e-mail is not sent again.
UNCONFIRMED_LIMIT = 2
UNCONFIRMED_NOTE = "The server may have received it without confirming; not sent again. "

EMAILS: Outbox[OutboxEmail] = Outbox(
    OutboxEmail,
    queued=EmailStatus.QUEUED,
    failed=EmailStatus.FAILED,
    done=lambda now: {"sent_at": now},
)


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    failed: int = 0
    #: Why the run could not reach (or lost) the server, if it did.
    connection_error: str | None = None


def deliver_due_emails(now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """Send the queued e-mails that are due, batch by batch, within the run's time bound."""
    now = now or utcnow()
    config = current_app.config
    report = DeliveryReport()
    sender = _Sender(config, now, report)
    try:
        run_batches(EMAILS, now, sender.handle, limit=limit)
    finally:
        sender.close()
    return report


def retry_delay(attempts: int) -> timedelta:
    """Return the wait after the given number of failed attempts (the outbox retry policy)."""
    return retry_policy().delay(attempts)


def claim_seconds() -> int:
    """Return how long a claim keeps other runners off an e-mail being sent."""
    return retry_policy().claim_seconds


class _Sender:
    """One run's SMTP connection and the outcome of each e-mail of its batches."""

    def __init__(self, config: Any, now: datetime, report: DeliveryReport) -> None:
        self.config = config
        self.now = now
        self.report = report
        self.connection: _TrackingSMTP | None = None

    def handle(
        self, batch: list[OutboxEmail], token: str, policy: RetryPolicy, deadline: Deadline
    ) -> bool:
        """Send each e-mail of the batch; record every outcome; False ends the run."""
        sent: list[OutboxEmail] = []
        failures: list[tuple[OutboxEmail, dict[str, Any]]] = []
        untried: list[OutboxEmail] = []
        go_on = True
        for position, email in enumerate(batch):
            if deadline.passed():
                untried = batch[position:]
                go_on = False
                break
            if self.connection is None:
                try:
                    self.connection = _connect(self.config)
                except CONNECTION_ERRORS as error:
                    # The server cannot be reached: charge what this run meant to send to it.
                    self._lost(error, "unreachable")
                    for waiting in batch[position:]:
                        failures.append(self._failure(waiting, error, policy, unconfirmed=False))
                    go_on = False
                    break
            connection = self.connection
            try:
                connection.body_sent = False
                connection.send_message(_message(email, self.now), to_addrs=[email.to_address])
            except MESSAGE_ERRORS as error:
                failures.append(self._failure(email, error, policy, unconfirmed=False))
                continue
            except CONNECTION_ERRORS as error:
                self._lost(error, "lost")
                failures.append(
                    self._failure(email, error, policy, unconfirmed=connection.body_sent)
                )
                connection.close()
                self.connection = None  # the next e-mail opens a new connection
                continue
            sent.append(email)
        self.report.sent += EMAILS.mark_done(sent, token, self.now)
        EMAILS.record_failures(failures, token)
        EMAILS.release(untried, token, self.now)
        self.report.failed += len(failures)
        return go_on

    def _failure(
        self, email: OutboxEmail, error: BaseException, policy: RetryPolicy, *, unconfirmed: bool
    ) -> tuple[OutboxEmail, dict[str, Any]]:
        values = EMAILS.failure_values(email, _describe(error), self.now, policy)
        if unconfirmed:
            values["unconfirmed"] = email.unconfirmed + 1
            if values["unconfirmed"] >= UNCONFIRMED_LIMIT:
                values["status"] = EmailStatus.FAILED
                values["last_error"] = (UNCONFIRMED_NOTE + values["last_error"])[:2000]
        return email, values

    def _lost(self, error: BaseException, how: str) -> None:
        self.report.connection_error = _describe(error)
        current_app.logger.warning("Mail server %s: %s", how, self.report.connection_error)

    def close(self) -> None:
        if self.connection is not None:
            _close(self.connection)
            self.connection = None


class _TrackingSMTP(smtplib.SMTP):
    """An SMTP client that knows whether the message body went out (then its fate is unknown)."""

    body_sent = False

    def send(self, s: Any) -> None:
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.body_sent = True


class _TrackingSMTPSSL(smtplib.SMTP_SSL, _TrackingSMTP):
    """The same over TLS from the first byte."""


def _connect(config: Any) -> _TrackingSMTP:
    """Open one SMTP connection as configured (TLS, STARTTLS, login)."""
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    timeout = float(config["MAIL_TIMEOUT_SECONDS"])
    connection: _TrackingSMTP
    if config["MAIL_USE_SSL"]:
        connection = _TrackingSMTPSSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = _TrackingSMTP(host, port, timeout=timeout)
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
