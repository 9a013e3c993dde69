"""Mentor profiles (§4.1): what a mentor offers, capacity, busy switch and approval state."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, UTCDateTime, enum_column
from ..people.models import Membership


class ContactMode(enum.StrEnum):
    """The four forms of contact of the standards (standard 6)."""

    PHONE = "phone"
    VIDEO = "video"
    IN_PERSON = "in_person"
    WRITTEN = "written"


class MentorRole(enum.StrEnum):
    """The roles a mentor may take (standards seed §3.2)."""

    ADVISOR = "advisor"
    COMPANION = "companion"
    BROKER = "broker"
    INITIATOR = "initiator"
    KNOWLEDGE_BROKER = "knowledge_broker"


class MentorStatus(enum.StrEnum):
    """Where a mentor stands with the programme's staff (standard 1)."""

    APPLICANT = "applicant"
    APPROVED = "approved"
    PAUSED = "paused"
    EXCLUDED = "excluded"


class MentorProfile(Timestamped, db.Model):
    """A mentor of one course: profile, offer, capacity, busy switch and status (§4.1)."""

    __tablename__ = "mentor_profile"
    #: Search without criteria walks this index in order (no sort of the whole course).
    __table_args__ = (Index("ix_mentor_profile_listing", "course_id", "search_name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), unique=True
    )
    headline: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    roles_offered: Mapped[list[str]] = mapped_column(JSON, default=list)
    link_url: Mapped[str | None] = mapped_column(String(500))
    #: The storage key of the mentor's photo (:mod:`lti_tool.storage`), if they gave one.
    photo_key: Mapped[str | None] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(default=3)
    active_mentorships: Mapped[int] = mapped_column(default=0)
    is_busy: Mapped[bool] = mapped_column(default=False)
    busy_set_automatically_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[MentorStatus] = mapped_column(
        enum_column(MentorStatus, "mentor_status"), default=MentorStatus.APPLICANT
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Text and facet tokens indexed for search (SQLite FTS5 / PostgreSQL tsvector).
    search_document: Mapped[str] = mapped_column(Text, default="")
    #: The name folded as search sorts it (lower case, no accents), kept with the document.
    search_name: Mapped[str] = mapped_column(String(200), default="", server_default="")

    membership: Mapped[Membership] = relationship()

    @property
    def is_full(self) -> bool:
        """Whether the mentor has as many active mentorships as their capacity."""
        return self.active_mentorships >= self.capacity

    @property
    def is_taking_mentees(self) -> bool:
        """Approved, not busy and not full: shown in search by default."""
        return self.status == MentorStatus.APPROVED and not self.is_busy and not self.is_full
