"""Staff's records of running the cohort: roster sync runs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import UTCDateTime, enum_column, utcnow


class SyncStatus(enum.StrEnum):
    """running → done | failed; a run reads pages per step, retrying a page that failed for now."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RosterSync(db.Model):
    """One reading of the course roster from Names and Roles, page by page (§6)."""

    __tablename__ = "roster_sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL")
    )
    status: Mapped[SyncStatus] = mapped_column(
        enum_column(SyncStatus, "roster_sync_status"), default=SyncStatus.RUNNING
    )
    #: The roster page the next step reads (None once every page was read).
    next_url: Mapped[str | None] = mapped_column(String(1000))
    pages_done: Mapped[int] = mapped_column(default=0)
    members_seen: Mapped[int] = mapped_column(default=0)
    members_added: Mapped[int] = mapped_column(default=0)
    members_left: Mapped[int] = mapped_column(default=0)
    #: Why the run failed (a ``lti.services.Problem`` value) and the platform's words.
    problem: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Retryable failures (5xx, timeout) of the page at ``next_url`` in a row, and when the job
    #: runner reads it again; the problem and detail above say what happened meanwhile.
    retries: Mapped[int] = mapped_column(default=0, server_default="0")
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Two workers (the job runner, a staff page) may step the same run: each page's UPDATE
    # checks that ``pages_done`` is still what the worker read, so a page is never counted twice.
    __mapper_args__ = {"version_id_col": pages_done, "version_id_generator": False}

    @property
    def is_running(self) -> bool:
        """Whether pages remain to be read."""
        return self.status == SyncStatus.RUNNING
