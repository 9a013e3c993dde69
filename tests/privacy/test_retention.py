"""After the retention period, ended mentorships lose their free texts, once (§3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lti_tool.evaluation.models import Evaluation
from lti_tool.evaluation.queries import answers_by_field
from lti_tool.extensions import db
from lti_tool.jobs.runner import run_due
from lti_tool.mentoring import agreements
from lti_tool.mentoring import mentorships as mentorship_ops
from lti_tool.mentoring import requests as request_ops
from lti_tool.mentoring.models import (
    Agreement,
    ContactRequest,
    MenteePreparation,
    MentorPreparation,
    Mentorship,
    MentorshipStatus,
)
from lti_tool.models_base import utcnow
from lti_tool.privacy.operations import anonymise_expired_mentorships
from tests.mentoring.factories import conclude
from tests.support.factories import make_course, make_member, make_mentor

from .conftest import MENTEE_AGREEMENT, MENTEE_FORM, MENTOR_PRIVATE_FORM, evaluate

DAY = timedelta(days=1)


def _texts(mentorship_id: int) -> list[str]:
    """Every free text of a mentorship and of its request."""
    mentorship = db.session.get(Mentorship, mentorship_id)
    texts = [mentorship.end_reason or ""]
    request = db.session.get(ContactRequest, mentorship.request_id)
    texts += [request.question, request.ideas, request.expectations, request.proposal or ""]
    for agreement in db.session.scalars(select(Agreement).filter_by(mentorship_id=mentorship_id)):
        texts += [agreement.goals, agreement.frequency, agreement.other_commitments]
    for form in db.session.scalars(
        select(MentorPreparation).filter_by(mentorship_id=mentorship_id)
    ):
        texts += [form.offered_notes, form.offer_next, form.mentee_needs, form.next_goals]
    for form in db.session.scalars(
        select(MenteePreparation).filter_by(mentorship_id=mentorship_id)
    ):
        texts += [form.question_next, form.tried_since, form.needs]
    for evaluation in db.session.scalars(select(Evaluation).filter_by(mentorship_id=mentorship_id)):
        answers = answers_by_field(evaluation.id)
        texts += [answers["what_helped"], answers["what_to_change"]]
    return [text for text in texts if text]


@pytest.fixture
def mentorships(app):
    """Mentorships concluded or ended early 731 and 729 days ago, and one still active."""
    course = make_course()
    mentor = make_mentor(course, capacity=5)
    rows = {}
    for name in ("concluded_old", "ended_old", "concluded_recent", "active"):
        mentee = make_member(course)
        request = request_ops.send_request(
            mentee,
            mentor,
            question=f"{name} question",
            ideas="ideas",
            expectations="expectations",
            preferred_mode="video",
        )
        mentorship = request_ops.accept_request(mentor.membership, request, proposal="A call?")
        mentorship.started_at = utcnow() - 90 * DAY  # its contacts are dated since then
        agreements.propose_agreement(mentee, mentorship, **MENTEE_AGREEMENT)
        mentorship_ops.log_contact(
            mentee, mentorship, held_on=utcnow().date(), mode="video", duration_minutes=60
        )
        agreements.save_mentor_preparation(mentor.membership, mentorship, 1, **MENTOR_PRIVATE_FORM)
        agreements.save_mentee_preparation(mentee, mentorship, 1, **MENTEE_FORM)
        if name.startswith("concluded"):
            conclude(mentorship)
        elif name.startswith("ended"):
            mentorship_ops.end_mentorship_early(
                mentee, mentorship, reason="It did not work out.", talked_it_over=True
            )
        if name != "active":
            evaluate(mentee, mentorship, "luca-private")
            evaluate(mentor.membership, mentorship, "marta-private")
        rows[name] = mentorship
    now = utcnow()
    rows["concluded_old"].concluded_at = now - 731 * DAY
    rows["ended_old"].ended_at = now - 731 * DAY
    rows["concluded_recent"].concluded_at = now - 729 * DAY
    rows["active"].started_at = now - 800 * DAY
    db.session.commit()
    return {name: mentorship.id for name, mentorship in rows.items()}


def test_only_mentorships_ended_longer_ago_than_the_period_are_anonymised(mentorships):
    before = {name: _texts(mentorship_id) for name, mentorship_id in mentorships.items()}
    now = utcnow()

    assert anonymise_expired_mentorships(now) == 2
    db.session.commit()

    for name in ("concluded_old", "ended_old"):
        mentorship = db.session.get(Mentorship, mentorships[name])
        assert _texts(mentorship.id) == [], name
        assert mentorship.anonymised_at == now
        # Statuses, counts, dates and scores stay for the staff's statistics.
        assert mentorship.contacts_done >= 1
        scores = [
            answers_by_field(evaluation.id)["process_rating"]
            for evaluation in db.session.scalars(
                select(Evaluation).filter_by(mentorship_id=mentorship.id)
            )
        ]
        assert scores == [5, 5]
    assert db.session.get(Mentorship, mentorships["ended_old"]).status == (
        MentorshipStatus.ENDED_EARLY
    )
    for name in ("concluded_recent", "active"):
        assert _texts(mentorships[name]) == before[name], name
        assert db.session.get(Mentorship, mentorships[name]).anonymised_at is None


def test_anonymising_is_idempotent(mentorships):
    first = utcnow()
    assert anonymise_expired_mentorships(first) == 2
    db.session.commit()

    assert anonymise_expired_mentorships(first + DAY / 2) == 0
    assert db.session.get(Mentorship, mentorships["concluded_old"]).anonymised_at == first
    # Two days later the recent one is due as well, and only it.
    assert anonymise_expired_mentorships(first + 2 * DAY) == 1
    assert _texts(mentorships["concluded_recent"]) == []
    assert _texts(mentorships["active"]) != []


def test_a_retention_of_zero_days_keeps_everything(app, mentorships):
    app.config["RETENTION_DAYS"] = 0

    assert anonymise_expired_mentorships(utcnow() + 10_000 * DAY) == 0
    assert _texts(mentorships["concluded_old"]) != []


def test_the_job_runner_anonymises_and_reports_it(app, mentorships):
    report = run_due()  # the factories' people have no e-mail address: nothing is sent

    assert report.anonymised == 2
    assert "anonymised: 2" in report.lines()
    assert run_due().anonymised == 0
