"""A course where a mentee and mentors have been through the journey, built by the operations.

Every text the mentee wrote carries ``luca-shared`` (seen by the mentor too) or ``luca-private``
(her own forms, evaluation, reflection, concern); the mentor's private texts carry
``marta-private``. The tests search the whole database and the exports for these markers.
"""

from __future__ import annotations

import types
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lti_tool.concerns import operations as concerns
from lti_tool.extensions import db
from lti_tool.mentoring import agreements, mentorships
from lti_tool.mentoring import requests as request_ops
from lti_tool.models_base import utcnow
from lti_tool.people.models import CourseRole
from lti_tool.reflection import operations as reflection
from lti_tool.reflection.models import ReflectionQuestion
from tests.mentoring.factories import AGREEMENT, EVALUATION, MENTOR_FORM, conclude, log, send
from tests.support.factories import make_course, make_member, make_mentor

MENTEE_REQUEST = {
    "question": "luca-shared question: how do I start in instructional design?",
    "ideas": "luca-shared ideas: a portfolio.",
    "expectations": "luca-shared expectations: honest advice.",
}
MENTEE_AGREEMENT = {
    **AGREEMENT,
    "goals": "luca-shared goals: three portfolio pieces.",
    "frequency": "luca-shared monthly",
    "other_commitments": "luca-shared commitments",
}
MENTEE_FORM = {
    "question_next": "luca-private question for next time",
    "tried_since": "luca-private what I tried",
    "needs": "luca-private what I need",
}
MENTOR_PRIVATE_FORM = {
    **MENTOR_FORM,
    "offered_notes": "marta-private offered notes",
    "mentee_needs": "marta-private needs I noticed",
    "next_goals": "marta-private next goals",
}


def evaluate(member, mentorship, marker):
    """Submit one side's evaluation with comments carrying ``marker``."""
    return mentorships.submit_evaluation(
        member,
        mentorship,
        **{
            **EVALUATION,
            "what_helped": f"{marker} what helped",
            "what_to_change": f"{marker} what to change",
        },
    )


def mentorship_between(mentee, profile, **request):
    """Send a request with the mentee's texts and accept it: an active mentorship."""
    sent = send(mentee, profile, **{**MENTEE_REQUEST, **request})
    mentorship = request_ops.accept_request(
        profile.membership,
        sent,
        proposal=f"{profile.membership.user.name} proposes a first call on Tuesday.",
    )
    mentorship.started_at = utcnow() - timedelta(days=90)  # its contacts are dated since then
    return mentorship


@pytest.fixture
def journey(app, snapshots):
    """Luca (mentee) concluded a mentorship with Marta and has an active one with Otto."""
    return snapshots.once((__name__, "journey"), _journey)


def _journey():
    course = make_course("Mentoring for adult learners")
    staff = make_member(course, CourseRole.STAFF, name="Stella Staff", email="stella@example.org")
    mentee = make_member(course, name="Luca Learner", email="luca@example.org", locale="it")
    marta = make_mentor(course, name="Marta Mentore", email="marta@example.org")
    otto = make_mentor(course, name="Otto Other", email="otto@example.org")

    finished = mentorship_between(mentee, marta)
    agreements.propose_agreement(mentee, finished, **MENTEE_AGREEMENT)
    log(mentee, finished)
    agreements.save_mentor_preparation(marta.membership, finished, 1, **MENTOR_PRIVATE_FORM)
    agreements.save_mentee_preparation(mentee, finished, 1, **MENTEE_FORM)
    conclude(finished)
    evaluate(mentee, finished, "luca-private")
    evaluate(marta.membership, finished, "marta-private")

    active = mentorship_between(mentee, otto, question="luca-shared second question")
    mentorships.log_contact(
        otto.membership, active, held_on=date.today(), mode="phone", duration_minutes=30
    )
    concerns.report_concern(
        mentee, text="luca-private concern about a session", mentorship=finished
    )

    reflection.ensure_default_questions(course.id)
    question = db.session.scalars(
        select(ReflectionQuestion)
        .filter_by(course_id=course.id, audience="mentees")
        .order_by(ReflectionQuestion.id)
    ).first()
    for version in (1, 2):
        reflection.submit_answer(
            mentee,
            question,
            text=f"luca-private reflection, version {version}",
            share_with_partner=False,
            share_with_staff=False,
        )
    db.session.commit()
    return types.SimpleNamespace(
        course=course,
        staff=staff,
        mentee=mentee,
        marta=marta,
        otto=otto,
        finished=finished,
        active=active,
    )
