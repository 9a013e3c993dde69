"""Read-side queries of the inbox: a member's own notices in one course, never anyone else's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..people.models import Membership
from .models import Notification

#: Notices shown on one page of the inbox.
PAGE_SIZE = 20


@dataclass(frozen=True)
class InboxPage:
    """One page of a member's notices, newest first."""

    notifications: list[Notification]
    page: int
    has_previous: bool
    has_next: bool
    unread: int


def inbox_page(membership: Membership, page: int = 1, per_page: int = PAGE_SIZE) -> InboxPage:
    """Return a page of the member's notices of their course, newest first."""
    page = max(page, 1)
    rows = list(
        db.session.scalars(
            select(Notification)
            .filter_by(recipient_id=membership.id, course_id=membership.course_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return InboxPage(
        notifications=rows[:per_page],
        page=page,
        has_previous=page > 1,
        has_next=len(rows) > per_page,
        unread=unread_count(membership),
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
