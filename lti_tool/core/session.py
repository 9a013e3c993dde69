"""Who the browser is, per course: the memberships its launches signed it into."""

from __future__ import annotations

from flask import session
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..people.models import Membership

SESSION_KEY = "memberships"
#: How many courses one browser session remembers (the cookie must stay small).
MAX_COURSES = 20


def sign_in(membership: Membership) -> None:
    """Remember that this browser launched into the membership's course as its user."""
    memberships = {
        key: value
        for key, value in dict(session.get(SESSION_KEY, {})).items()
        if key != str(membership.course_id)
    }
    memberships[str(membership.course_id)] = membership.id
    session[SESSION_KEY] = dict(list(memberships.items())[-MAX_COURSES:])
    session.permanent = False


def membership_for(course_id: int) -> Membership | None:
    """Return the active membership this browser launched with for a course, if any."""
    membership_id = dict(session.get(SESSION_KEY, {})).get(str(course_id))
    if membership_id is None:
        return None
    return db.session.scalar(
        select(Membership)
        .options(joinedload(Membership.user), joinedload(Membership.course))
        .filter_by(id=membership_id, course_id=course_id, is_active=True)
    )
