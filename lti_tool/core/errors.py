"""Error pages: one translated page for every HTTP error, refusal and forbidden operation."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden, HTTPException

from ..extensions import db
from ..people.models import CourseRole
from ..refusals import NotAllowed, Refusal

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
