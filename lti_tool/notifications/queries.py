"""Read-side queries of the inbox: a member's own notices in one course, never anyone else's."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from ..extensions import db
from ..people.models import Membership
from .models import Notification

#: Notices shown on one page of the inbox.
PAGE_SIZE = 20


def inbox_page(membership: Membership, page: int = 1, per_page: int = PAGE_SIZE) -> Pagination:
    """Return a page of the member's notices of their course, newest first (a page past the end
    is empty: the inbox says there are no more)."""
    return db.paginate(
        select(Notification)
        .filter_by(recipient_id=membership.id, course_id=membership.course_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        page=max(page, 1),
        per_page=per_page,
        max_per_page=None,
        error_out=False,
    )


def unread_count(membership: Membership) -> int:
    """Count the member's unread notices of their course (one COUNT query)."""
    return int(
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.recipient_id == membership.id,
                Notification.course_id == membership.course_id,
                Notification.read_at.is_(None),
            )
        )
        or 0
    )
