"""Read-side queries of the course pages."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..platforms.models import ResourceLink


def resource_link_in_course(course_id: int, link_id: int) -> ResourceLink | None:
    """Return a placement only if it belongs to the course."""
    return db.session.scalar(select(ResourceLink).filter_by(id=link_id, course_id=course_id))
