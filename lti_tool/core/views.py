"""Course pages every role lands on and the error pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden, HTTPException

from ..extensions import db
from ..lti.activities import ACTIVITIES, activity_for, endpoint_for
from ..mentoring.journey import STEPS, Step, learner_journey, mentor_tasks
from ..people.models import CourseRole, Membership
from ..programme.operations import has_accepted_standards
from ..refusals import NotAllowed, Refusal
from .auth import course_view
from .queries import resource_link_in_course

bp = Blueprint("core", __name__)

ROLE_LABELS = {
    CourseRole.STAFF: _l("Course staff"),
    CourseRole.MENTOR: _l("Mentor"),
    CourseRole.LEARNER: _l("Learner"),
}

ERROR_MESSAGES = {
    400: _l("The request could not be understood. Go back and try again."),
    401: _l(
        "Your session for this course has ended or cookies are blocked. "
        "Open the activity again from your course."
    ),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist."),
    405: _l("This page does not accept that kind of request."),
    413: _l("What you sent is too large. Nothing was saved: send a smaller file."),
    500: _l("Something went wrong on our side. Try again in a moment."),
    501: _l("This feature is not available yet."),
}


@bp.get("/course/<int:course_id>/")
@course_view()
def home(membership: Membership) -> str:
    """Show the programme home: who you are, in which course, and what you can do."""
    return _render_activity(membership, ACTIVITIES["home"], link=None)


@bp.get("/course/<int:course_id>/links/<int:link_id>")
@course_view()
def activity(membership: Membership, link_id: int) -> Any:
    """Open the activity a course placement points at: its own page, else the programme home."""
    link = resource_link_in_course(membership.course_id, link_id)
    if link is None:
        abort(404)
    placed = activity_for(link.activity)
    is_staff = membership.role == CourseRole.STAFF
    if placed.is_staff_only and not is_staff:
        abort(403)
    endpoint = endpoint_for(placed, is_staff)
    if endpoint in current_app.view_functions:
        return redirect(url_for(endpoint, course_id=membership.course_id, link_id=link.id))
    return _render_activity(membership, placed, link=link)


def _render_activity(membership: Membership, activity: Any, link: Any) -> str:
    if activity.is_staff_only and membership.role != CourseRole.STAFF:
        abort(403)
    is_learner = membership.role == CourseRole.LEARNER
    is_participant = membership.role != CourseRole.STAFF
    return render_template(
        "core/home.html",
        membership=membership,
        course=membership.course,
        activity=activity,
        link=link,
        is_staff=membership.role == CourseRole.STAFF,
        is_mentor=membership.role == CourseRole.MENTOR,
        is_learner=is_learner,
        journey=(
            learner_journey(membership, has_accepted_standards=has_accepted_standards(membership))
            if is_learner
            else None
        ),
        # A learner who volunteered and was approved mentors too (§1).
        tasks=mentor_tasks(membership) if is_participant else None,
        steps=STEPS,
        step=Step,
    )


def handle_http_error(error: HTTPException) -> Any:
    """Render a translated error page for every HTTP error.

    The session is rolled back first: after a failed statement (PostgreSQL refuses every later
    one in that transaction) the page, which reads the person and the menu, still renders.
    """
    db.session.rollback()
    code = error.code or 500
    message = getattr(error, "translated_message", None) or ERROR_MESSAGES.get(
        code, error.description
    )
    return render_template("core/error.html", code=code, message=message), code


def handle_refusal(error: Refusal) -> Any:
    """Answer a refusal no view showed beside its form: 400 with its (translated) message."""
    db.session.rollback()
    return render_template("core/error.html", code=400, message=error.message), 400


def handle_not_allowed(error: NotAllowed) -> Any:
    """Answer an operation this person may not make: the generic 403 page (the reason is logged)."""
    current_app.logger.info("not allowed: %s", error)
    return handle_http_error(Forbidden())


def handle_csrf_error(error: HTTPException) -> Any:
    """Explain a form sent without a valid CSRF token; nothing was changed."""
    message = _l(
        "The form has expired or did not come from this tool. Nothing was saved: "
        "reload the page and try again."
    )
    db.session.rollback()
    return render_template("core/error.html", code=400, message=message), 400
