"""The guard of participant pages: the programme's standards are accepted first (§3)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import redirect, request, url_for

from ..core.auth import F, course_view
from ..people.models import CourseRole, Membership
from .operations import has_accepted_standards


def participant_view(*roles: CourseRole) -> Callable[[F], F]:
    """Like :func:`course_view`, and learners and mentors who have not accepted the current
    programme standards are sent to accept them first (§3); staff are not participants."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def gated(membership: Membership, **kwargs: Any) -> Any:
            if membership.role != CourseRole.STAFF and not has_accepted_standards(membership):
                return redirect(
                    url_for(
                        "programme.standards",
                        course_id=membership.course_id,
                        next=request.full_path,
                    )
                )
            return view(membership, **kwargs)

        return course_view(*roles)(gated)  # type: ignore[return-value]

    return decorator
