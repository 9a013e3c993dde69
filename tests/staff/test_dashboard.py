"""The dashboard (issue 5, acceptance 4 and 5): constant queries, true numbers, nothing private."""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import date, timedelta

from sqlalchemy import event, insert

from lti_tool.concerns.models import Concern
from lti_tool.evaluation.models import Evaluation, EvaluationAnswer
from lti_tool.evaluation.operations import ensure_default_questions
from lti_tool.evaluation.queries import questions_of
from lti_tool.extensions import db
from lti_tool.mentoring.models import (
    Agreement,
    ContactLog,
    ContactRequest,
    MenteePreparation,
    MentorPreparation,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from lti_tool.models_base import utcnow
from lti_tool.people.models import CourseRole, Side
from lti_tool.programme.operations import programme_for
from tests.mentoring.web import sign_into
from tests.mentors.factories import MentorSpec, seed_mentors
from tests.support.factories import make_course, make_member

from .test_matching import seed_learners

STATES = [
    "no_mentor",
    "requested",
    "matched",
    "agreed",
    "contacts",
    "concluded",
    "ended_early",
    "evaluated",
]
PRIVATE = ["PRIVATE-GOALS", "PRIVATE-NOTE", "PRIVATE-QUESTION", "PRIVATE-EVALUATION"]


def seed_cohort(course, size: int, mentors: int = 8) -> dict:
    """Insert ``size`` learners spread over every state (bulk statements); return the truth."""
    profile_ids = seed_mentors(
        course,
        [MentorSpec(name=f"Mentor {n}", languages=["en"], capacity=3) for n in range(mentors)],
    )
    learners = seed_learners(course, size, prefix=f"c{size}")
    now = utcnow()
    truth = {state: 0 for state in STATES}
    contacts: dict[int, int] = {}
    mentorships, requests = [], []
    for number, learner in enumerate(learners):
        state = STATES[number % len(STATES)]
        truth[state] += 1
        if state == "requested":
            requests.append(
                {
                    "course_id": course.id,
                    "mentee_id": learner,
                    "mentor_id": profile_ids[number % len(profile_ids)],
                    "question": "PRIVATE-QUESTION",
                    "ideas": "",
                    "expectations": "",
                    "preferred_mode": "video",
                    "status": RequestStatus.PENDING,
                    # every other one is overdue
                    "answer_due_at": now + timedelta(days=-1 if number % 16 == 1 else 3),
                }
            )
        elif state != "no_mentor":
            done = {"contacts": 1 + number % 3, "concluded": 4, "evaluated": 4}.get(state, 0)
            if state == "contacts":
                contacts[done] = contacts.get(done, 0) + 1
            status = {
                "concluded": MentorshipStatus.CONCLUDED,
                "evaluated": MentorshipStatus.CONCLUDED,
                "ended_early": MentorshipStatus.ENDED_EARLY,
            }.get(state, MentorshipStatus.ACTIVE)
            mentorships.append(
                {
                    "course_id": course.id,
                    "mentee_id": learner,
                    "mentor_id": profile_ids[number % len(profile_ids)],
                    "status": status,
                    "contacts_planned": 4,
                    "contacts_done": done,
                    "started_at": now - timedelta(days=20),
                    "concluded_at": now if status == MentorshipStatus.CONCLUDED else None,
                    "ended_at": now if status == MentorshipStatus.ENDED_EARLY else None,
                    "end_reason": "PRIVATE-NOTE"
                    if status == MentorshipStatus.ENDED_EARLY
                    else None,
                }
            )
    if requests:
        db.session.execute(insert(ContactRequest), requests)
    ids = db.session.scalars(
        insert(Mentorship).returning(Mentorship.id, sort_by_parameter_order=True), mentorships
    ).all()
    states_by_learner = {
        learner: STATES[number % len(STATES)] for number, learner in enumerate(learners)
    }
    agreements, logs, forms, evaluations, given = [], [], [], [], []
    truth_evaluated = 0
    for row, mentorship_id in zip(mentorships, ids, strict=True):
        state = states_by_learner[row["mentee_id"]]
        if state in ("agreed", "contacts", "concluded", "evaluated"):
            agreements.append(
                {
                    "mentorship_id": mentorship_id,
                    "version": 1,
                    "goals": "PRIVATE-GOALS",
                    "contact_modes": ["video"],
                    "frequency": "monthly",
                    "other_commitments": "",
                    "proposed_by_id": row["mentee_id"],
                    "proposed_at": now,
                    "mentee_confirmed_at": now,
                    "mentor_confirmed_at": now,
                }
            )
        for number in range(1, row["contacts_done"] + 1):
            logs.append(
                {
                    "mentorship_id": mentorship_id,
                    "number": number,
                    "held_on": date.today() - timedelta(days=number),
                    "mode": "video",
                    "duration_minutes": 60,
                    "logged_by_id": row["mentee_id"],
                    "logged_at": now,
                }
            )
            forms.append(
                {"mentorship_id": mentorship_id, "contact_number": number, "needs": "PRIVATE-NOTE"}
            )
        if state == "evaluated":
            truth_evaluated += 1
            for side, rating in ((Side.MENTEE, 5), (Side.MENTOR, 3)):
                evaluations.append(
                    {
                        "mentorship_id": mentorship_id,
                        "author_id": row["mentee_id"],
                        "side": side,
                        "submitted_at": now,
                    }
                )
                given.append(
                    {
                        "process_rating": rating,
                        "goal_attainment": rating - 1,
                        "usefulness": rating,
                        "what_helped": "PRIVATE-EVALUATION",
                        "what_to_change": "PRIVATE-EVALUATION",
                        "would_recommend": side == Side.MENTEE,
                    }
                )
    db.session.execute(insert(ContactLog), logs)
    db.session.execute(insert(MenteePreparation), forms)
    db.session.execute(
        insert(MentorPreparation),
        [
            {
                "mentorship_id": f["mentorship_id"],
                "contact_number": f["contact_number"],
                "mentee_needs": "PRIVATE-NOTE",
            }
            for f in forms
        ],
    )
    db.session.execute(insert(Agreement), agreements)
    if evaluations:
        evaluation_ids = db.session.scalars(
            insert(Evaluation).returning(Evaluation.id, sort_by_parameter_order=True),
            evaluations,
        ).all()
        ensure_default_questions(course.id)
        questions = {q.key: q for q in questions_of(course.id)}
        answers = []
        for evaluation_id, values in zip(evaluation_ids, given, strict=True):
            for key, value in values.items():
                column = {"rating": "rating", "yes_no": "agrees", "text": "text"}[
                    questions[key].kind
                ]
                answers.append(
                    {
                        "evaluation_id": evaluation_id,
                        "question_id": questions[key].id,
                        column: value,
                    }
                )
        db.session.execute(insert(EvaluationAnswer), answers)
    db.session.commit()
    return {
        "states": truth,
        "contacts": contacts,
        "evaluated": truth_evaluated,
        "overdue": sum(1 for r in requests if r["answer_due_at"] < now),
    }


@contextlib.contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def dashboard_of(app, size: int):
    course = make_course()
    staff = make_member(course, CourseRole.STAFF, name="Stella Staff")
    db.session.commit()
    truth = seed_cohort(course, size)
    return sign_into(app, staff), truth


def cell(page: str, testid: str) -> int:
    return int(page.split(f'data-testid="{testid}">')[1].split("<")[0])


def test_the_dashboard_of_2000_learners_runs_as_many_queries_as_for_24_and_tells_the_truth(app):
    small, _ = dashboard_of(app, 24)
    large, truth = dashboard_of(app, 2000)

    for path in ("/staff/", "/staff/?state=contacts&q=learner&page=2"):
        small.get(path)  # first visits fill caches (programme row, CSRF) on both
        large.get(path)
        with counting_queries() as few:
            assert small.get(path).status_code == 200
        with counting_queries() as many:
            assert large.get(path).status_code == 200

        assert len(many) == len(few), path
        assert len(many) <= 25

    page = large.get("/staff/").get_data(as_text=True)
    for state in STATES:
        assert cell(page, f"count-{state}") == truth["states"][state], state
    for done, count in truth["contacts"].items():
        assert cell(page, f"contacts-{done}") == count
    assert cell(page, "overdue-count") == truth["overdue"]
    assert "The cohort: 2000 learners" in page
    counted = page.split('data-testid="evaluations-mentee">')[1].split("<")[0]
    assert counted.endswith(f": {truth['evaluated']}")
    table = page.split('data-testid="evaluation-questions">')[1].split("</table>")[0]
    process = table.split("How well did the mentoring process work?")[1].split("</tr>")[0]
    assert "<td>5.0 / 5" in process  # the mentees' average, then the mentors'
    assert "<td>3.0 / 5" in process
    assert '<svg viewBox="0 0 600 220" role="img"' in page
    assert "The numbers of the chart" in page  # the text alternative of the chart
    filtered = large.get("/staff/?state=ended_early").get_data(as_text=True)
    assert filtered.count('data-testid="learner-') == 50  # one page
    assert "Page 1 of 5" in filtered  # 250 learners ended early
    found = large.get("/staff/?q=Learner%2017").get_data(as_text=True)
    names = {chunk.split("<")[0].split(">")[-1] for chunk in found.split('<th scope="row">')[1:]}
    assert "Learner 17" in names
    assert "Learner 18" not in names


def test_no_staff_page_or_export_shows_private_text(app):
    browser, truth = dashboard_of(app, 24)
    mentorship = Mentorship.query.filter_by(status=MentorshipStatus.ENDED_EARLY).first()

    pages = [
        browser.get(path).get_data(as_text=True)
        for path in (
            "/staff/",
            "/staff/?state=evaluated",
            "/staff/export/progress.csv",
            "/staff/export/evaluations.csv",
            "/staff/matching",
            "/staff/assign",
            f"/mentorships/{mentorship.id}",
        )
    ]

    for page in pages:
        for secret in PRIVATE:
            assert secret not in page


def test_the_exports_hold_progress_and_averages_only(app):
    browser, truth = dashboard_of(app, 24)

    progress = browser.get("/staff/export/progress.csv")
    evaluations = browser.get("/staff/export/evaluations.csv")

    assert progress.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(progress.get_data(as_text=True))))
    assert len(rows) == 24
    assert {row["state"] for row in rows} == set(STATES)
    assert sum(row["state"] == "evaluated" for row in rows) == truth["evaluated"]
    averages = list(csv.DictReader(io.StringIO(evaluations.get_data(as_text=True))))
    by_question = {(row["side"], row["question"]): row for row in averages}
    assert {row["side"] for row in averages} == {"mentee", "mentor"}
    assert {row["evaluations"] for row in averages if row["side"] == "mentee"} == {
        str(truth["evaluated"])
    }
    process = by_question[("mentee", "How well did the mentoring process work?")]
    assert (float(process["average"]), process["kind"]) == (5.0, "rating")
    recommend = by_question[("mentor", "Would you recommend this mentoring to others?")]
    assert float(recommend["average"]) == 0.0
    assert {row["question"] for row in averages}.isdisjoint({"What helped", "What should change"})

    course_programme = programme_for(browser.membership.course)
    course_programme.staff_see_evaluation_scores = False
    db.session.commit()
    hidden = list(
        csv.DictReader(
            io.StringIO(browser.get("/staff/export/evaluations.csv").get_data(as_text=True))
        )
    )
    assert hidden[0]["evaluations"] == str(truth["evaluated"])
    assert [row["average"] for row in hidden] == ["", ""]  # one line per side, counts only
    page = browser.get("/staff/").get_data(as_text=True)
    assert "keep evaluation scores from staff" in page


def test_open_concerns_and_overdue_answers_show_on_the_dashboard(app):
    browser, truth = dashboard_of(app, 16)
    learner = browser.membership
    course_learner = Mentorship.query.first().mentee
    db.session.add(
        Concern(course_id=learner.course_id, reporter_id=course_learner.id, text="PRIVATE-NOTE")
    )
    db.session.commit()

    page = browser.get("/staff/").get_data(as_text=True)

    assert cell(page, "open-concerns") == 1
    assert cell(page, "overdue-count") == truth["overdue"] == 1
