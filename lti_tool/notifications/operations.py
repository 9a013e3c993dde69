"""Create notices: one in-tool notice per recipient, and its e-mail twin in the outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import LazyString, force_locale, format_date, gettext
from sqlalchemy import select, update

from ..extensions import db
from ..i18n import language_for
from ..models_base import utcnow
from ..people.models import CourseRole, Membership
from .messages import NOTICES
from .models import Notification, OutboxEmail


def notify(
    recipient: Membership,
    kind: str,
    *,
    link: str | None = None,
    dedupe_key: str | None = None,
    **params: Any,
) -> Notification | None:
    """Notify a course member in the tool, and queue an e-mail when they have an address.

    ``params`` fill the notice's placeholders and must be JSON-serialisable text or numbers.
    With a ``dedupe_key`` the same notice is never created twice (time-driven jobs may run
    again); then None is returned.
    """
    if kind not in NOTICES:
        raise ValueError(f"unknown notice kind {kind!r}")
    if dedupe_key is not None and db.session.scalar(
        select(Notification.id).filter_by(dedupe_key=dedupe_key)
    ):
        return None
    notification = Notification(
        course_id=recipient.course_id,
        recipient=recipient,
        kind=kind,
        params={key: stored_param(value) for key, value in params.items()},
        link=link,
        dedupe_key=dedupe_key,
    )
    db.session.add(notification)
    if recipient.user.email:
        subject, body = render_notice(notification, recipient.user.locale)
        db.session.add(
            OutboxEmail(
                notification=notification,
                to_address=recipient.user.email,
                subject=subject,
                body=body,
            )
        )
    db.session.flush()
    return notification


class NotificationNotFound(LookupError):
    """No such notice for this member in this course (the view answers 404)."""


def render_notice(notification: Notification, locale: str | None) -> tuple[str, str]:
    """Return subject and body of a notice in a language (the default when unsupported)."""
    with force_locale(language_for(locale)):
        subject, body = render_text(notification)
    if notification.link:
        body += "\n\n" + current_app.config["PUBLIC_BASE_URL"].rstrip("/") + notification.link
    return subject, body


def notify_staff(course_id: int, kind: str, *, dedupe_key: str | None = None, **params: Any) -> int:
    """Notify every active staff member of a course; return how many were notified."""
    staff = db.session.scalars(
        select(Membership).filter_by(course_id=course_id, role=CourseRole.STAFF, is_active=True)
    )
    count = 0
    for member in staff:
        key = f"{dedupe_key}:{member.id}" if dedupe_key else None
        if notify(member, kind, dedupe_key=key, **params) is not None:
            count += 1
    return count


def stored_param(value: Any) -> Any:
    """Keep a notice parameter so that it can be written in any reader's language later.

    Dates keep their value and lazy texts (a contact mode, "a participant") their message id;
    both are written out when the notice is shown or mailed, in that reader's language.
    """
    if isinstance(value, datetime):
        return {"$date": value.date().isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, LazyString):
        return {"$text": str(value._args[0])}
    return value


def _shown(value: Any) -> Any:
    if isinstance(value, dict) and "$date" in value:
        return format_date(date.fromisoformat(value["$date"]), "long")
    if isinstance(value, dict) and "$text" in value:
        return gettext(value["$text"])
    return value


def render_text(notification: Notification) -> tuple[str, str]:
    """Return subject and body of a notice in the current language, without its link.

    Dates, contact modes and other lazy texts among the params are written in that language
    too, and counts take the language's plural form. A translation whose placeholders do not
    match the stored params falls back to English rather than breaking the inbox.
    """
    try:
        return _render(notification)
    except (KeyError, TypeError, ValueError):
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            return _render(notification)


def _render(notification: Notification) -> tuple[str, str]:
    text = NOTICES[notification.kind]
    params = {key: _shown(value) for key, value in (notification.params or {}).items()}
    body = text.plural_body(params) if text.plural_body else str(text.body) % params
    return str(text.subject) % params, body


def mark_read(
    membership: Membership, notification_id: int, *, now: datetime | None = None
) -> Notification:
    """Mark one of the member's notices in their course as read (no change if it already is)."""
    notification = db.session.scalar(
        select(Notification).filter_by(
            id=notification_id, recipient_id=membership.id, course_id=membership.course_id
        )
    )
    if notification is None:
        raise NotificationNotFound(notification_id)
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()
    return notification


def mark_all_read(membership: Membership, *, now: datetime | None = None) -> int:
    """Mark every unread notice of the member in their course as read; return how many."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.recipient_id == membership.id,
            Notification.course_id == membership.course_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
