"""View guards: every course page checks on the server who may see it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden

from ..people.models import CourseRole
from .session import membership_for

F = TypeVar("F", bound=Callable[..., Any])


class ParticipationBarred(Forbidden):
    """Staff barred the person from the programme (standard 1): a neutral page, no reason."""

    translated_message = _l(
        "The mentoring programme of this course is not available to you. "
        "For questions, contact the course staff."
    )


def course_view(*roles: CourseRole) -> Callable[[F], F]:
    """Require a launched membership of the URL's course, with one of ``roles`` if given.

    Participant pages add the standards gate: ``lti_tool.programme.access.participant_view``.
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
            g.membership = membership
            return view(membership, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
