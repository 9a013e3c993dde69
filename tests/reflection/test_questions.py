"""Staff add, reorder and retire questions; answers survive and learners see the new set."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.reflection.models import ReflectionAnswer, ReflectionQuestion

from .conftest import all_questions, answer, page_text, questions

NEW_QUESTION = "Which of your mentees would you contact first, and how?"


def _order(page: str, *texts: str) -> list[int]:
    return [page.index(text) for text in texts]


def test_staff_add_reorder_and_retire_and_answers_survive(people):
    staff, mentee = people.staff, people.mentor  # the 5.1 questions are asked of mentors
    first, second = questions(mentee.course_id, "mentors")
    assert answer(mentee, first.id, "On the youth centre's page.").status_code == 302

    added = staff.post("/reflection/questions", {"text": NEW_QUESTION})
    assert added.status_code == 302
    new = db.session.scalar(select(ReflectionQuestion).filter_by(text=NEW_QUESTION))
    assert new is not None and new.course_id == mentee.course_id

    page = page_text(mentee.get("/reflection/"))
    positions = _order(page, "Think about your group", "Reflect on your way", NEW_QUESTION)
    assert positions == sorted(positions)
    assert "1 of 3 questions answered" in page

    move_up = f"/reflection/questions/{new.id}/move"
    for _step in range(4):  # above the two mentees' questions and the two mentors' ones
        assert staff.post(move_up, {"direction": "up"}).status_code == 302
    page = page_text(mentee.get("/reflection/"))
    positions = _order(page, NEW_QUESTION, "Think about your group", "Reflect on your way")
    assert positions == sorted(positions)

    assert staff.post(f"/reflection/questions/{first.id}/retire", {}).status_code == 302
    page = page_text(mentee.get("/reflection/"))
    assert "Think about your group" not in page
    assert NEW_QUESTION in page and "Reflect on your way" in page
    assert "0 of 2 questions answered" in page
    # The answer to the retired question is kept, and its author still reads its history.
    kept = db.session.scalar(select(ReflectionAnswer).filter_by(question_id=first.id))
    assert kept is not None and kept.latest.text == "On the youth centre's page."
    history = page_text(mentee.get(f"/reflection/questions/{first.id}/history"))
    assert "On the youth centre's page." in history
    # A retired question takes no new answers.
    refused = answer(mentee, first.id, "Another thought.")
    assert refused.status_code == 400
    assert "This question is no longer asked." in page_text(refused)

    staff_page = page_text(staff.get("/reflection/questions"))
    assert "(retired)" in staff_page
    assert staff.post(f"/reflection/questions/{first.id}/restore", {}).status_code == 302
    assert "1 of 3 questions answered" in page_text(mentee.get("/reflection/"))
    assert len(all_questions(mentee.course_id)) == 5  # four defaults and the new one
    assert second.retired_at is None


def test_an_empty_question_is_refused_beside_the_field(people):
    refused = people.staff.post("/reflection/questions", {"text": "  "})

    assert refused.status_code == 400
    assert "This field is required." in page_text(refused)
    assert len(all_questions(people.staff.course_id)) == 4


def test_staff_of_another_course_cannot_touch_the_questions(app, launch, people):
    from tests.mentoring.web import join

    foreign = join(app, launch, "t2", role="staff", context_id="course-v1:Org+Other+2026")
    first = questions(people.mentee.course_id, "mentees")[0]

    assert foreign.post(f"/reflection/questions/{first.id}/retire", {}).status_code == 404
    move = f"/reflection/questions/{first.id}/move"
    assert foreign.post(move, {"direction": "down"}).status_code == 404
    assert first.retired_at is None
