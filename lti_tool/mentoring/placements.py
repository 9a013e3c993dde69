"""Where the "Contact preparation" and "Mentorship evaluation" placements lead (§6 deep linking).

A launch of either placement opens the person's current form directly: the preparation of the
next contact of their mentorship in progress, or the evaluation of their ended mentorship that
still waits for it. Only when several mentorships qualify does the person choose; with none,
the page says why and where to go.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import select

from ..evaluation.models import Evaluation
from ..extensions import db
from ..people.models import CourseRole, Membership
from ..programme.access import participant_view
from .models import MentorshipStatus
from .queries import MentorshipItem, mentorships_of

bp = Blueprint("placements", __name__, url_prefix="/course/<int:course_id>/open")

PARTICIPANTS = (CourseRole.LEARNER, CourseRole.MENTOR)


def _preparation_url(item: MentorshipItem) -> str:
    mentorship = item.mentorship
    return url_for(
        "mentoring.preparation",
        course_id=mentorship.course_id,
        mentorship_id=mentorship.id,
        number=mentorship.contacts_done + 1,
    )


def _evaluation_url(item: MentorshipItem) -> str:
    mentorship = item.mentorship
    return url_for(
        "mentoring.evaluation", course_id=mentorship.course_id, mentorship_id=mentorship.id
    )


def _evaluated_sides(items: list[MentorshipItem]) -> set[tuple[int, str]]:
    ids = [item.mentorship.id for item in items]
    if not ids:
        return set()
    rows = db.session.execute(
        select(Evaluation.mentorship_id, Evaluation.side).where(Evaluation.mentorship_id.in_(ids))
    )
    return {(mentorship_id, str(side)) for mentorship_id, side in rows}


def _open(kind: str, choices: list[tuple[MentorshipItem, str]]) -> Any:
    if len(choices) == 1:
        return redirect(choices[0][1])
    return render_template("mentoring/choose.html", kind=kind, choices=choices)


@bp.get("/preparation")
@participant_view(*PARTICIPANTS)
def preparation(membership: Membership) -> Any:
    """Open the preparation form of the next contact of one's mentorship in progress."""
    current = [
        item
        for item in mentorships_of(membership)
        if item.mentorship.status == MentorshipStatus.ACTIVE
    ]
    return _open("preparation", [(item, _preparation_url(item)) for item in current])


@bp.get("/evaluation")
@participant_view(*PARTICIPANTS)
def evaluation(membership: Membership) -> Any:
    """Open the evaluation of one's ended mentorship (the one still waiting for it first)."""
    ended = [
        item
        for item in mentorships_of(membership)
        if item.mentorship.status != MentorshipStatus.ACTIVE
    ]
    evaluated = _evaluated_sides(ended)
    waiting = [item for item in ended if (item.mentorship.id, str(item.side)) not in evaluated]
    chosen = waiting or ended
    return _open("evaluation", [(item, _evaluation_url(item)) for item in chosen])
