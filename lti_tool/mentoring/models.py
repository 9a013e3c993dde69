"""The mentoring journey (§4.3–§4.6): requests, mentorships, agreements, contacts, preparation
forms, evaluations and the audit trail of every transition."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..mentors.models import MentorProfile
from ..models_base import Timestamped, UTCDateTime, enum_column, utcnow
from ..people.models import Membership


class RequestStatus(enum.StrEnum):
    """pending → accepted | declined | expired | withdrawn (§4)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class MentorshipStatus(enum.StrEnum):
    """active → concluded | ended_early (§4)."""

    ACTIVE = "active"
    CONCLUDED = "concluded"
    ENDED_EARLY = "ended_early"


class ContactRequest(Timestamped, db.Model):
    """A mentee's request to a mentor, which the mentor must answer (§4.3, standard 3)."""

    __tablename__ = "contact_request"
    __table_args__ = (
        # One request waiting per mentee and mentor: a double submit cannot send two (issue 8).
        Index(
            "uq_contact_request_pending_pair",
            "mentee_id",
            "mentor_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profile.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    ideas: Mapped[str] = mapped_column(Text, default="")
    expectations: Mapped[str] = mapped_column(Text, default="")
    preferred_mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status"), default=RequestStatus.PENDING, index=True
    )
    proposal: Mapped[str | None] = mapped_column(Text)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mentee: Mapped[Membership] = relationship(foreign_keys=[mentee_id])
    mentor: Mapped[MentorProfile] = relationship()


class Mentorship(Timestamped, db.Model):
    """A mentee and a mentor working together in a course (§4.4–§4.6)."""

    __tablename__ = "mentorship"
    __table_args__ = (
        # One mentorship per request, and one in progress per pair (issue 8).
        Index(
            "uq_mentorship_request",
            "request_id",
            unique=True,
            sqlite_where=text("request_id IS NOT NULL"),
            postgresql_where=text("request_id IS NOT NULL"),
        ),
        Index(
            "uq_mentorship_active_pair",
            "mentee_id",
            "mentor_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profile.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_request.id", ondelete="SET NULL")
    )
    assigned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL")
    )
    status: Mapped[MentorshipStatus] = mapped_column(
        enum_column(MentorshipStatus, "mentorship_status"),
        default=MentorshipStatus.ACTIVE,
        index=True,
    )
    contacts_planned: Mapped[int] = mapped_column(default=4)
    contacts_done: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL")
    )
    end_reason: Mapped[str | None] = mapped_column(Text)
    #: When the retention period blanked the mentorship's free texts (§3 personal data).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: After the planned contacts the pair may continue; either side closes it (standard 7).
    continuation_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    continuation_note: Mapped[str | None] = mapped_column(Text)
    #: The mentorship this one continues after staff handed the mentee over (standard 1).
    handed_over_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentorship.id", ondelete="SET NULL")
    )

    mentee: Mapped[Membership] = relationship(foreign_keys=[mentee_id])
    mentor: Mapped[MentorProfile] = relationship()
    request: Mapped[ContactRequest | None] = relationship()


class Agreement(db.Model):
    """One version of a mentorship's agreement; both sides confirm each version (§4.4)."""

    __tablename__ = "agreement"
    __table_args__ = (UniqueConstraint("mentorship_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(default=1)
    goals: Mapped[str] = mapped_column(Text)
    contact_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    frequency: Mapped[str] = mapped_column(String(200))
    other_commitments: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mentee_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mentor_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_confirmed(self) -> bool:
        """Whether both sides confirmed this version."""
        return self.mentee_confirmed_at is not None and self.mentor_confirmed_at is not None


class ContactLog(db.Model):
    """One contact held by the pair: when, how and how long (§4.5)."""

    __tablename__ = "contact_log"
    __table_args__ = (UniqueConstraint("mentorship_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"))
    number: Mapped[int]
    held_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20))
    duration_minutes: Mapped[int]
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The other side confirmed (or corrected) the contact: one contact, one row (issue 10).
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL")
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MentorPreparation(Timestamped, db.Model):
    """The mentor's preparation / follow-up form for one contact, items from the seed (§4.2)."""

    __tablename__ = "mentor_preparation"
    __table_args__ = (UniqueConstraint("mentorship_id", "contact_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"))
    contact_number: Mapped[int]
    offered_last: Mapped[list[str]] = mapped_column(JSON, default=list)
    offered_notes: Mapped[str] = mapped_column(Text, default="")
    offer_next: Mapped[str] = mapped_column(Text, default="")
    techniques_used: Mapped[list[str]] = mapped_column(JSON, default=list)
    techniques_notes: Mapped[str] = mapped_column(Text, default="")
    techniques_more: Mapped[str] = mapped_column(Text, default="")
    mentee_needs: Mapped[str] = mapped_column(Text, default="")
    next_goals: Mapped[str] = mapped_column(Text, default="")


class MenteePreparation(Timestamped, db.Model):
    """The mentee's own preparation for one contact (§4.5)."""

    __tablename__ = "mentee_preparation"
    __table_args__ = (UniqueConstraint("mentorship_id", "contact_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"))
    contact_number: Mapped[int]
    question_next: Mapped[str] = mapped_column(Text, default="")
    tried_since: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[str] = mapped_column(Text, default="")
