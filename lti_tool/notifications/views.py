"""The in-tool inbox: a member's notices of one course, rendered in their current language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ..extensions import db
from ..people.models import Membership
from ..programme.access import participant_view
from . import operations, queries

bp = Blueprint("notifications", __name__, url_prefix="/course/<int:course_id>/notifications")


@bp.get("")
@participant_view()
def inbox(membership: Membership) -> Any:
    """List the member's notices of this course, newest first, unread ones highlighted."""
    page = queries.inbox_page(membership, request.args.get("page", 1, type=int) or 1)
    notices = [
        {"notification": notification, "text": operations.render_text(notification)}
        for notification in page.items
    ]
    return render_template(
        "notifications/inbox.html",
        membership=membership,
        page=page,
        unread=queries.unread_count(membership),
        notices=notices,
    )


@bp.post("/<int:notification_id>/read")
@participant_view()
def mark_read(membership: Membership, notification_id: int) -> Any:
    """Mark one of the member's notices as read (CSRFProtect checks the token)."""
    try:
        operations.mark_read(membership, notification_id)
    except operations.NotificationNotFound:
        abort(404)
    db.session.commit()
    return redirect(_back_to_inbox(membership))


@bp.post("/read-all")
@participant_view()
def mark_all_read(membership: Membership) -> Any:
    """Mark every notice of the member in this course as read (CSRFProtect checks the token)."""
    operations.mark_all_read(membership)
    db.session.commit()
    return redirect(_back_to_inbox(membership))


def _back_to_inbox(membership: Membership) -> str:
    """Return to the inbox page the button was on."""
    page = request.args.get("page", 1, type=int) or 1
    values = {"page": page} if page > 1 else {}
    return url_for("notifications.inbox", course_id=membership.course_id, **values)
