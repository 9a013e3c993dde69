"""Staff configure the evaluation questions (§2): the seed's defaults, added, reworded per
language, retired; answers survive a retire and averages are computed per question."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.evaluation.models import Evaluation, EvaluationAnswer, EvaluationQuestion
from lti_tool.evaluation.queries import answers_by_field
from lti_tool.extensions import db
from tests.conftest import count_rows
from tests.mentoring.factories import EVALUATION, conclude
from tests.mentoring.web import join
from tests.reflection.conftest import page_text

NEW = "How clear was the mentoring agreement?"
REWORDED = "Quanto ti è servito il mentoring, in concreto?"
FORM = {**EVALUATION, "would_recommend": "yes"}


def _question(course_id, **criteria):
    return db.session.scalar(select(EvaluationQuestion).filter_by(course_id=course_id, **criteria))


def test_staff_add_reword_and_retire_questions_and_answers_survive(people, app, launch):
    staff, mentee, mentor = people.staff, people.mentee, people.mentor
    course_id = mentee.course_id
    listing = page_text(staff.get("/evaluation/questions"))
    for words in ("How well did the mentoring process work?", "What helped",
                  "Would you recommend this mentoring to others?"):  # fmt: skip
        assert words in listing

    assert staff.post("/evaluation/questions", {"text": NEW, "kind": "rating",
                                                "is_required": "y"}).status_code == 302  # fmt: skip
    added = _question(course_id, text=NEW)
    usefulness = _question(course_id, key="usefulness")
    reworded = staff.post(
        f"/evaluation/questions/{usefulness.id}/reword",
        {f"r{usefulness.id}-language": "it", f"r{usefulness.id}-text": REWORDED},
    )
    assert reworded.status_code == 302
    assert db.session.get(EvaluationQuestion, usefulness.id).texts == {"it": REWORDED}

    conclude(people.mentorship)
    db.session.commit()
    url = f"/mentorships/{people.mentorship.id}/evaluation"
    form = page_text(mentee.get(url))
    assert NEW in form and "How useful was the mentoring to you?" in form  # English: default
    italian = join(app, launch, "mentee", name="Luca Learner", locale="it")
    assert REWORDED in page_text(italian.get(url))

    missing = mentee.post(url, FORM)  # the new question is required
    assert missing.status_code == 200
    assert "Choose a rating from 1 to 5." in page_text(missing)
    assert count_rows(Evaluation, EvaluationAnswer) == {"evaluation": 0, "evaluation_answer": 0}
    sent = mentee.post(url, {**FORM, f"q{added.id}": "2"})
    assert sent.status_code == 302
    [evaluation] = db.session.scalars(select(Evaluation)).all()
    assert answers_by_field(evaluation.id) == {**EVALUATION, f"q{added.id}": 2}

    assert staff.post(f"/evaluation/questions/{usefulness.id}/retire", {}).status_code == 302
    # The mentor is no longer asked; the mentee's answer stays, on her page and in the averages.
    mentor_form = mentor.get(url).get_data(as_text=True)
    assert 'name="usefulness"' not in mentor_form and f'name="q{added.id}"' in mentor_form
    assert answers_by_field(evaluation.id)["usefulness"] == 5
    assert "How useful was the mentoring to you?" in page_text(mentee.get(url))
    dashboard = staff.get("/staff/").get_data(as_text=True)
    table = dashboard.split('data-testid="evaluation-questions">')[1].split("</table>")[0]
    assert f'data-question="{usefulness.id}"' in table  # retired, with its answer
    row = table.split(f'data-question="{added.id}"')[1].split("</tr>")[0]
    assert "<td>2.0 / 5" in row  # the mentees' average of the new question
    assert mentor.post(url, {**FORM, f"q{added.id}": "4"}).status_code == 302
    mentor_evaluation = db.session.scalar(select(Evaluation).filter_by(side="mentor"))
    assert "usefulness" not in answers_by_field(mentor_evaluation.id)

    assert staff.post(f"/evaluation/questions/{usefulness.id}/restore", {}).status_code == 302
    assert _question(course_id, key="usefulness").retired_at is None


def test_bad_questions_are_refused_beside_the_field_and_only_staff_manage(people):
    staff = people.staff
    staff.get("/evaluation/questions")
    before = count_rows(EvaluationQuestion)

    empty = staff.post("/evaluation/questions", {"text": "  ", "kind": "rating"})
    assert empty.status_code == 400 and "This field is required." in page_text(empty)
    odd = staff.post("/evaluation/questions", {"text": "Fine?", "kind": "essay"})
    assert odd.status_code == 400 and "Choose among the options shown." in page_text(odd)
    first = _question(staff.course_id, key="process_rating")
    bad_language = staff.post(
        f"/evaluation/questions/{first.id}/reword",
        {f"r{first.id}-language": "xx", f"r{first.id}-text": "Hm"},
    )
    assert bad_language.status_code == 400
    assert db.session.get(EvaluationQuestion, first.id).texts is None
    for person in (people.mentee, people.mentor):
        assert person.get("/evaluation/questions").status_code == 403
        assert person.post(f"/evaluation/questions/{first.id}/retire", {}).status_code == 403
    assert count_rows(EvaluationQuestion) == before
    assert _question(staff.course_id, key="process_rating").retired_at is None
