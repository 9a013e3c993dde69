"""Rows and a real SMTP server for the notification and deadline tests."""

from __future__ import annotations

import email
import email.policy
import socket
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask

from lti_tool.extensions import db
from lti_tool.mentoring.models import ContactRequest, RequestStatus
from lti_tool.mentors.models import MentorProfile
from lti_tool.models_base import utcnow
from lti_tool.people.models import Membership


def make_request(
    mentee: Membership,
    mentor: MentorProfile,
    *,
    answer_due_at: datetime,
    created_at: datetime | None = None,
    status: RequestStatus = RequestStatus.PENDING,
) -> ContactRequest:
    """Create a contact request from a mentee to a mentor, due at a given moment."""
    request = ContactRequest(
        course_id=mentee.course_id,
        mentee=mentee,
        mentor=mentor,
        question="How do I start?",
        ideas="Ask someone",
        expectations="Advice",
        preferred_mode="video",
        status=status,
        answer_due_at=answer_due_at,
        created_at=created_at or answer_due_at - timedelta(days=7),
    )
    db.session.add(request)
    db.session.flush()
    return request


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every envelope it accepts."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.envelopes: list[Any] = []
        self.connections = 0
        self.refuse = refuse
        self._controller: Controller | None = None

    def configure(self, app: Flask) -> None:
        """Point the tool's mail settings at this server."""
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port, MAIL_TIMEOUT_SECONDS=5)

    def start(self) -> None:
        """Listen (again) on the same port."""
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until started again."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        """Count connections (each greets once)."""
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        """Refuse the addresses the test names, accept the others."""
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        """Keep the message."""
        self.envelopes.append(envelope)
        return "250 Message accepted"

    @property
    def messages(self) -> list[EmailMessage]:
        """Every accepted message, parsed."""
        return [
            email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[misc]
            for envelope in self.envelopes
        ]


def now() -> datetime:
    """The current time (aware UTC), for tests that move the clock from here."""
    return utcnow()
