"""In-tool notices and the e-mail outbox delivered by the job runner (§7 notifications)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, enum_column, utcnow
from ..people.models import Membership


class EmailStatus(enum.StrEnum):
    """Queued until the SMTP server takes it; failed after the attempt cap, never dropped."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class Notification(db.Model):
    """A notice for one course member, shown in the tool's inbox (and e-mailed when possible)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(500))
    #: Makes time-driven notices idempotent: the same key is never notified twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient: Mapped[Membership] = relationship()


class OutboxEmail(db.Model):
    """An e-mail waiting for (or done with) SMTP delivery; failures are retried with back-off."""

    __tablename__ = "outbox_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[EmailStatus] = mapped_column(
        enum_column(EmailStatus, "email_status"), default=EmailStatus.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The run holding the claim (see ``lti_tool.outbox``); None when nobody does.
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    #: Failed attempts after which the server may have stored the message (no final answer).
    unconfirmed: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Why an administrator stopped retrying it.
    given_up_reason: Mapped[str | None] = mapped_column(String(500))

    notification: Mapped[Notification] = relationship()
