"""The course home every role lands on, and the page an activity placement opens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, url_for

from ..core.auth import course_view
from ..lti.activities import ACTIVITIES, activity_for, endpoint_for
from ..mentoring.journey import STEPS, Step, learner_journey, mentor_tasks
from ..people.models import CourseRole, Membership
from ..programme.operations import has_accepted_standards
from .queries import resource_link_in_course

bp = Blueprint("home", __name__)


@bp.get("/course/<int:course_id>/")
@course_view()
def index(membership: Membership) -> str:
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
        "home/index.html",
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
