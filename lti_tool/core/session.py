"""Who the browser is, per course: the memberships its launches signed it into.

One browser session belongs to one person at a time: a launch by someone else (a shared computer)
signs everyone else out of it; the same person keeps their other courses.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, session
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..people.models import Membership
from ..people.operations import Launched

SESSION_KEY = "memberships"
USER_KEY = "user"
#: How many courses one browser session remembers (the cookie must stay small).
MAX_COURSES = 20


def sign_in(membership: Membership | Launched) -> None:
    """Remember that this browser launched into the membership's course as its user."""
    if session.get(USER_KEY) != membership.user_id:
        # Another person used this browser before: nothing of theirs stays reachable.
        session.clear()
        session[USER_KEY] = membership.user_id
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
    if membership_id is None or session.get(USER_KEY) is None:
        return None
    return db.session.scalar(
        select(Membership)
        .options(joinedload(Membership.user), joinedload(Membership.course))
        .filter_by(id=membership_id, course_id=course_id, user_id=session[USER_KEY], is_active=True)
    )


def cookie_attributes() -> dict[str, Any]:
    """The flags of every cookie the tool sets, from the configuration (never from a header).

    ``cookie_secure`` (default: on when ``public_base_url`` is https) makes cookies
    ``Secure; SameSite=None; Partitioned`` so that they work inside the LMS frame.
    """
    config = current_app.config
    return {
        "secure": bool(config["SESSION_COOKIE_SECURE"]),
        "samesite": config["SESSION_COOKIE_SAMESITE"],
        "partitioned": bool(config["SESSION_COOKIE_PARTITIONED"]),
    }
