"""View guards: every course page checks on the server who may see it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden

from ..people.models import CourseRole
from ..programme.operations import has_accepted_standards
from .session import membership_for

F = TypeVar("F", bound=Callable[..., Any])


class ParticipationBarred(Forbidden):
    """Staff barred the person from the programme (standard 1): a neutral page, no reason."""

    translated_message = _l(
        "The mentoring programme of this course is not available to you. "
        "For questions, contact the course staff."
    )


def course_view(*roles: CourseRole, requires_standards: bool = False) -> Callable[[F], F]:
    """Require a launched membership of the URL's course, with one of ``roles`` if given.

    With ``requires_standards``, learners and mentors who have not accepted the current
    programme standards are sent to accept them first (§3); staff are not participants.
    """

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(course_id: int, **kwargs: Any) -> Any:
            membership = membership_for(course_id)
            if membership is None:
                abort(401)
            if (
                membership.barred_at is not None
                and membership.role != CourseRole.STAFF
                and not (request.endpoint or "").startswith("privacy.")  # their data stays theirs
            ):
                raise ParticipationBarred()
            if roles and membership.role not in roles:
                abort(403)
            if (
                requires_standards
                and membership.role != CourseRole.STAFF
                and not has_accepted_standards(membership)
            ):
                return redirect(
                    url_for("programme.standards", course_id=course_id, next=request.full_path)
                )
            g.membership = membership
            return view(membership, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
