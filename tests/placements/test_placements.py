"""The "Contact preparation" and "Mentorship evaluation" placements open the person's own form,
a chooser only with several mentorships; a preparation placement with a line item gets a score.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.gradebook.models import GradebookScore
from lti_tool.mentoring.models import MenteePreparation, MentorPreparation
from lti_tool.models_base import utcnow
from tests.mentoring.factories import conclude, start
from tests.reflection.conftest import (
    PREPARATION_LINK,
    declarative_line_item,
    open_activity,
    page_text,
)
from tests.support.factories import make_member


def test_the_preparation_placement_opens_the_next_contacts_form(people, launch):
    page = open_activity(
        people.mentee, launch, "mentee", name="Luca Learner", activity="preparation"
    )

    url = f"/course/{people.mentee.course_id}/mentorships/{people.mentorship.id}/contacts/1"
    assert page.request.path == url
    text = page_text(page)
    assert "My question for this contact" in text  # the mentee's own form
    mentor_page = open_activity(
        people.mentor, launch, "mentor", name="Marta Mentore", role="Community TA",
        activity="preparation",
    )  # fmt: skip
    assert mentor_page.request.path == url
    assert "What I will offer the mentee next time" in page_text(mentor_page)


def test_a_mentor_with_two_mentorships_chooses_one(people, launch):
    second = start(make_member(people.mentor.membership.course, name="Nina Neu"),
                   people.mentorship.mentor)  # fmt: skip
    db.session.commit()

    page = open_activity(
        people.mentor, launch, "mentor", name="Marta Mentore", role="Community TA",
        activity="preparation",
    )  # fmt: skip

    assert page.request.path.endswith("/open/preparation")
    choices = page.get_data(as_text=True).split('data-testid="choices">')[1].split("</ul>")[0]
    assert f"/mentorships/{people.mentorship.id}/contacts/1" in choices
    assert f"/mentorships/{second.id}/contacts/1" in choices
    assert "Luca Learner" in choices and "Nina Neu" in choices


def test_without_a_mentorship_in_progress_the_page_says_so(people, launch):
    page = open_activity(people.other, launch, "other", name="Olga Other", activity="preparation")

    assert page.status_code == 200
    assert "You have no mentorship in progress." in page_text(page)


def test_the_evaluation_placement_opens_the_evaluation_once_ended(people, launch):
    before = open_activity(
        people.mentee, launch, "mentee", name="Luca Learner", activity="evaluation"
    )
    assert "You can evaluate a mentorship once it has ended" in page_text(before)

    conclude(people.mentorship)
    db.session.commit()
    page = open_activity(
        people.mentee, launch, "mentee", name="Luca Learner", activity="evaluation"
    )

    url = f"/course/{people.mentee.course_id}/mentorships/{people.mentorship.id}/evaluation"
    assert page.request.path == url
    assert "How well did the mentoring process work?" in page_text(page)
    assert 'name="process_rating"' in page.get_data(as_text=True)


def test_a_preparation_placement_with_a_line_item_receives_a_score(
    people, launch, runner, openedx_state
):
    ags = declarative_line_item(openedx_state, PREPARATION_LINK)
    open_activity(
        people.mentee, launch, "mentee", name="Luca Learner", activity="preparation", ags=ags
    )

    saved = people.mentee.post(
        f"/mentorships/{people.mentorship.id}/contacts/1",
        {"question_next": "Where do I start?", "tried_since": "", "needs": "A plan"},
    )

    assert saved.status_code == 302, saved.get_data(as_text=True)
    form = db.session.scalar(select(MenteePreparation))
    assert (form.contact_number, form.question_next) == (1, "Where do I start?")
    assert db.session.scalar(select(MentorPreparation)) is None
    [queued] = db.session.scalars(select(GradebookScore)).all()
    assert queued.activity == "preparation"
    moment = (utcnow() + timedelta(seconds=1)).isoformat()
    result = runner.invoke(args=["jobs", "run-due", "--now", moment])
    assert "scores_posted: 1" in result.output, result.output
    [posted] = openedx_state.scores
    assert posted["line_item"] == openedx_state.line_items[0]["id"]
    assert posted["score"]["userId"] == "mentee"
    assert posted["score"]["scoreGiven"] == 100
