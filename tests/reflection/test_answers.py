"""Answers: drafts kept, versions in the history, private until shared with one's partner."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.reflection.models import ReflectionAnswer, ReflectionRevision
from tests.conftest import count_rows

from .conftest import answer, complete, page_text, questions


def test_a_draft_is_kept_revised_into_versions_and_shared_only_with_the_mentor(people):
    mentee, mentor = people.mentee, people.mentor
    first_page = page_text(mentee.get("/reflection/"))
    assert "Think about the question or problem you bring" in first_page
    assert "Think about your group of mentees" not in first_page  # the mentors' question
    assert "0 of 2 questions answered" in first_page
    first, second = questions(mentee.course_id, "mentees")

    saved = answer(mentee, first.id, "Through the youth centre's Instagram.", draft=True)
    assert saved.status_code == 200
    assert saved.get_json()["saved"] is True

    # She leaves, comes back and finds her draft (not yet an answer).
    back = page_text(mentee.get("/reflection/"))
    assert "Through the youth centre's Instagram." in back
    assert "You have a draft that is not saved as an answer yet." in back
    assert "0 of 2 questions answered" in back

    assert answer(mentee, first.id, "Through the youth centre's Instagram.").status_code == 302
    assert answer(mentee, first.id, "Instagram first, then a Facebook group.").status_code == 302
    history = page_text(mentee.get(f"/reflection/questions/{first.id}/history"))
    assert "Version 1" in history and "Through the youth centre's Instagram." in history
    assert "Version 2" in history and "Instagram first, then a Facebook group." in history
    assert "1 of 2 questions answered" in page_text(mentee.get("/reflection/"))

    # Private by default: nobody else reads it, not even her mentor.
    for reader in (mentor, people.other, people.other_mentor, people.staff):
        assert "Instagram first" not in page_text(reader.get("/reflection/shared"))

    shared = answer(
        mentee, first.id, "Instagram first, then a Facebook group.", share_with_partner=True
    )
    assert shared.status_code == 302
    assert "Instagram first, then a Facebook group." in page_text(mentor.get("/reflection/shared"))
    for reader in (people.other, people.other_mentor, people.staff):
        page = page_text(reader.get("/reflection/shared"))
        assert "Instagram" not in page
    staff_overview = page_text(people.staff.get("/reflection/"))
    assert "Instagram" not in staff_overview
    assert "1 of 2" in staff_overview
    # Sharing is no new version; the history still has the two.
    assert count_rows(ReflectionRevision)["reflection_revision"] == 2
    assert second.id != first.id


def test_the_mentee_reads_what_her_mentor_shared_and_staff_what_was_shared_with_staff(people):
    first = questions(people.mentor.course_id, "mentors")[0]
    answer(people.mentor, first.id, "A mentoring group of my own.", share_with_partner=True)
    answer(
        people.other,
        questions(people.mentee.course_id, "mentees")[0].id,
        "I would ask my trainer.",
        share_with_staff=True,
    )

    assert "A mentoring group of my own." in page_text(people.mentee.get("/reflection/shared"))
    assert "A mentoring group of my own." not in page_text(people.other.get("/reflection/shared"))
    staff_page = page_text(people.staff.get("/reflection/shared"))
    assert "I would ask my trainer." in staff_page
    assert "A mentoring group of my own." not in staff_page
    assert "I would ask my trainer." not in page_text(people.mentee.get("/reflection/shared"))


def test_progress_shows_what_is_done_and_staff_see_completion_not_text(people):
    complete(people.mentee)

    page = page_text(people.mentee.get("/reflection/"))
    assert "2 of 2 questions answered" in page
    assert "You have answered every question." in page
    overview = page_text(people.staff.get("/reflection/"))
    assert "Luca Learner 2 of 2 Yes" in overview
    assert "Olga Other 0 of 2 No" in overview
    assert "My answer to question" not in overview


def test_an_empty_answer_is_refused_beside_the_field_and_nothing_changes(people):
    first = questions(people.mentee.course_id, "mentees")[0]
    answer(people.mentee, first.id, "A first thought.")

    refused = answer(people.mentee, first.id, "   ")

    assert refused.status_code == 400
    assert "This field is required." in page_text(refused)
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    revisions = db.session.scalars(select(ReflectionRevision.text)).all()
    assert revisions == ["A first thought."]


def test_a_too_long_draft_is_refused_by_the_autosave(people):
    first = questions(people.mentee.course_id, "mentees")[0]

    refused = answer(people.mentee, first.id, "x" * 10_001, draft=True)

    assert refused.status_code == 400
    assert refused.get_json()["saved"] is False
    assert count_rows(ReflectionAnswer)["reflection_answer"] == 0


#: Who may do what: (person, method, path, status). One launched cohort serves every row.
AUTHORISATION = [
    ("staff", "post", "/reflection/questions/{q}/answer", 403),
    ("mentee", "get", "/reflection/questions", 403),
    ("mentee", "post", "/reflection/questions", 403),
    ("mentee", "get", "/reflection/scores", 403),
    ("mentor", "post", "/reflection/questions/{q}/retire", 403),
    ("mentee", "post", "/reflection/questions/{q}/move", 403),
    ("mentee", "get", "/reflection/questions/999999/history", 404),
    ("mentee", "post", "/reflection/questions/999999/answer", 404),
    ("staff", "post", "/reflection/questions/999999/retire", 404),
]


def test_who_may_do_what(people):
    first = questions(people.mentee.course_id, "mentees")[0]
    answered = {}
    for who, method, path, _status in AUTHORISATION:
        person = getattr(people, who)
        url = path.format(q=first.id)
        response = person.get(url) if method == "get" else person.post(url, {})
        answered[(who, method, path)] = response.status_code

    assert answered == {(who, method, path): status for who, method, path, status in AUTHORISATION}
    assert first.retired_at is None
    assert count_rows(ReflectionAnswer)["reflection_answer"] == 0


def test_a_question_of_another_course_is_not_found(app, launch, people):
    from tests.mentoring.web import join

    stranger = join(app, launch, "stranger", context_id="course-v1:Org+Other+2026")
    first = questions(people.mentee.course_id, "mentees")[0]
    stranger.get("/reflection/")

    assert answer(stranger, first.id, "Hello").status_code == 404
    assert stranger.get(f"/reflection/questions/{first.id}/history").status_code == 404
    assert count_rows(ReflectionAnswer)["reflection_answer"] == 0


def test_without_a_launch_the_pages_answer_401(client, people):
    assert client.get(f"/course/{people.mentee.course_id}/reflection/").status_code == 401
    assert client.get(f"/course/{people.mentee.course_id}/reflection/guide").status_code == 401
