"""Each reflection question has an audience (§5): a mentee never sees nor answers the mentors'
questions, and progress and score count only the person's own questions."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.gradebook.models import GradebookScore
from lti_tool.reflection.models import ReflectionAnswer, ReflectionQuestion
from tests.conftest import count_rows

from .conftest import answer, complete, declarative_line_item, open_activity, page_text, questions

STAFF_ONLY = "How will the course staff present the programme on social media?"


def test_a_mentee_never_sees_nor_answers_the_mentors_questions(people):
    mentors_first = questions(people.mentee.course_id, "mentors")[0]

    page = page_text(people.mentee.get("/reflection/"))
    refused = answer(people.mentee, mentors_first.id, "I would post on Instagram.")
    history = people.mentee.get(f"/reflection/questions/{mentors_first.id}/history")

    assert "Think about your group of mentees" not in page
    assert "Think about the question or problem you bring" in page
    assert refused.status_code == 403
    assert count_rows(ReflectionAnswer)["reflection_answer"] == 0
    assert history.status_code == 404
    mentor_page = page_text(people.mentor.get("/reflection/"))
    assert "Think about your group of mentees" in mentor_page
    assert "Think about the question or problem you bring" not in mentor_page


def test_progress_and_score_count_only_the_persons_own_questions(people, launch, openedx_state):
    ags = declarative_line_item(
        openedx_state, "block-v1:Org+Mentoring+2026+type@lti_consumer+block@reflection"
    )
    open_activity(people.mentee, launch, "mentee", name="Luca Learner", ags=ags)
    open_activity(
        people.mentor, launch, "mentor", name="Marta Mentore", role="Community TA", ags=ags
    )

    complete(people.mentee)  # her two questions; the mentors' two stay unanswered

    assert "2 of 2 questions answered" in page_text(people.mentee.get("/reflection/"))
    [score] = db.session.scalars(select(GradebookScore)).all()
    assert score.member.id == people.mentee.membership_id
    overview = page_text(people.staff.get("/reflection/"))
    assert "Luca Learner 2 of 2 Yes" in overview
    assert "Marta Mentore 0 of 2 No" in overview

    complete(people.mentor)
    assert {s.member.id for s in db.session.scalars(select(GradebookScore))} == {
        people.mentee.membership_id,
        people.mentor.membership_id,
    }
    assert "Marta Mentore 2 of 2 Yes" in page_text(people.staff.get("/reflection/"))


def test_staff_address_questions_and_answer_their_own(people):
    staff = people.staff
    assert (
        staff.post("/reflection/questions", {"text": STAFF_ONLY, "audience": "staff"}).status_code
        == 302
    )
    own = db.session.scalar(select(ReflectionQuestion).filter_by(text=STAFF_ONLY))
    assert own.audience == "staff"

    assert STAFF_ONLY not in page_text(people.mentee.get("/reflection/"))
    assert STAFF_ONLY not in page_text(people.mentor.get("/reflection/"))
    assert "0 of 2 questions answered" in page_text(people.mentee.get("/reflection/"))
    mine = page_text(staff.get("/reflection/mine"))
    assert STAFF_ONLY in mine and "Think about your group of mentees" in mine
    saved = answer(staff, own.id, "A short video on the course page.")
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/reflection/mine#q{own.id}")

    moved = staff.post(
        f"/reflection/questions/{own.id}/audience", {f"a{own.id}-audience": "everyone"}
    )
    assert moved.status_code == 302
    assert STAFF_ONLY in page_text(people.mentee.get("/reflection/"))
    assert "0 of 3 questions answered" in page_text(people.mentee.get("/reflection/"))
    refused = staff.post(
        f"/reflection/questions/{own.id}/audience", {f"a{own.id}-audience": "pets"}
    )
    assert refused.status_code == 400
    assert db.session.get(ReflectionQuestion, own.id).audience == "everyone"


def test_staff_reword_a_question_for_one_language(people, app, launch):
    from tests.mentoring.web import join

    first = questions(people.mentee.course_id, "mentees")[0]
    words = "Quale domanda porti al tuo mentore, e che cosa vuoi ottenere?"
    reworded = people.staff.post(
        f"/reflection/questions/{first.id}/reword",
        {f"r{first.id}-language": "it", f"r{first.id}-text": words},
    )

    assert reworded.status_code == 302
    italian = join(app, launch, "mentee", name="Luca Learner", locale="it")
    assert words in page_text(italian.get("/reflection/"))
    english = join(app, launch, "mentee", name="Luca Learner", locale="en")
    page = page_text(english.get("/reflection/"))
    assert words not in page and "Think about the question or problem you bring" in page
