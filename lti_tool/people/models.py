"""People and the courses they launch from (§1): users, course contexts and memberships."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, UTCDateTime
from ..platforms.models import Deployment


class CourseRole(enum.StrEnum):
    """What a person is in one course, derived from the LTI roles (§1)."""

    STAFF = "staff"
    MENTOR = "mentor"
    LEARNER = "learner"


class User(Timestamped, db.Model):
    """A person of one platform, identified by the platform's issuer and the ``sub`` claim."""

    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(300))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str | None] = mapped_column(String(20))

    @property
    def display_name(self) -> str | None:
        """The best name the platform shared, or None when it shared none."""
        joined = " ".join(part for part in (self.given_name, self.family_name) if part)
        return self.name or joined or None


class Course(Timestamped, db.Model):
    """A course context of one deployment: the scope of a mentoring programme (§2)."""

    __tablename__ = "course"
    __table_args__ = (UniqueConstraint("deployment_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    label: Mapped[str | None] = mapped_column(String(255))
    context_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    nrps_url: Mapped[str | None] = mapped_column(String(1000))

    deployment: Mapped[Deployment] = relationship()

    @property
    def display_title(self) -> str:
        """Title, label or the raw context id, whichever the platform sent."""
        return self.title or self.label or self.context_id


class Membership(Timestamped, db.Model):
    """A user's place in a course, with the raw LTI roles and the role the tool derived."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("course_id", "user_id"),
        # The few members who left a course, found at once (mentor search leaves them out).
        Index(
            "ix_membership_inactive",
            "course_id",
            sqlite_where=text("is_active = 0"),
            postgresql_where=text("NOT is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[CourseRole] = mapped_column(
        Enum(CourseRole, name="course_role", values_callable=lambda e: [m.value for m in e])
    )
    lti_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_launch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When a roster sync (Names and Roles) last listed the person in the course.
    roster_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Staff named the person a mentor and they accepted (``designation`` package): launches
    #: and roster syncs keep them a mentor although the platform sends Learner.
    is_designated_mentor: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    #: When staff barred the person from the course's programme (standard 1); None when not.
    barred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship()


class Side(enum.StrEnum):
    """Which side of a mentorship a person is on."""

    MENTEE = "mentee"
    MENTOR = "mentor"
