"""The gradebook score outbox: completion scores on their way to the LMS (§6 AGS)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, enum_column, utcnow
from ..people.models import Membership
from ..platforms.models import ResourceLink


class ScoreStatus(enum.StrEnum):
    """Queued until the platform accepted the score; failed after the attempt cap, never dropped."""

    QUEUED = "queued"
    POSTED = "posted"
    FAILED = "failed"


class GradebookScore(db.Model):
    """A completion score on its way to an activity's line item in the LMS gradebook (§6).

    Written in the same transaction as the completion; the job runner posts it, records every
    failure (problem, HTTP status, the platform's words) and retries with back-off.
    """

    __tablename__ = "gradebook_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE")
    )
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    activity: Mapped[str] = mapped_column(String(50))
    #: The platform's id of the person (the launch's ``sub``): the score's ``userId``.
    user_subject: Mapped[str] = mapped_column(String(255))
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    #: The score's timestamp; moved later only when the platform called it stale.
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The line item the score goes to, once known (from the launch, or found or created).
    lineitem_url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[ScoreStatus] = mapped_column(
        enum_column(ScoreStatus, "score_status"), default=ScoreStatus.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_problem: Mapped[str | None] = mapped_column(String(40))
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The run holding the claim (see ``lti_tool.outbox``); None when nobody does.
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    #: Why an administrator stopped retrying it.
    given_up_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    link: Mapped[ResourceLink] = relationship()
    member: Mapped[Membership] = relationship()
