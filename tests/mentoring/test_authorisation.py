"""Who may open each page and send each form of the journey: a table of pages × people.

People: the mentee and the mentor of a mentorship, another learner and another mentor of the
course, the course's staff, the staff of another course of the same platform, and a learner of
another platform. Outsiders get 404 (the row does not exist for them), the wrong role 403, and
people without a launch into the course 401; nobody but the pair sees the pair's words, and
nothing changes in the database when the answer is a refusal.
"""

from __future__ import annotations

import types
from datetime import date, timedelta

import pytest

from lti_tool.concerns.models import Concern
from lti_tool.evaluation.models import Evaluation
from lti_tool.extensions import db
from lti_tool.mentoring import agreements
from lti_tool.mentoring.models import (
    Agreement,
    ContactLog,
    ContactRequest,
    MenteePreparation,
    MentorPreparation,
    Mentorship,
)
from lti_tool.notifications.models import Notification
from tests.conftest import count_rows
from tests.support.factories import make_course, make_member, make_mentor

from .factories import AGREEMENT, MENTEE_FORM, MENTOR_FORM, REQUEST, log, send, start
from .web import OTHER_COURSE, join, sign_into

A_MONTH_AGO = (date.today() - timedelta(days=30)).isoformat()

TABLES = (
    ContactRequest,
    Mentorship,
    Agreement,
    ContactLog,
    MentorPreparation,
    MenteePreparation,
    Evaluation,
    Concern,
    Notification,
)
PEOPLE = (
    "mentee",
    "mentor",
    "other_learner",
    "other_mentor",
    "staff",
    "foreign_staff",
    "other_platform",
)
#: Words only the pair may read.
PRIVATE = (
    REQUEST["question"],
    AGREEMENT["goals"],
    MENTOR_FORM["offered_notes"],
    MENTEE_FORM["question_next"],
)


@pytest.fixture
def world(app, launch, snapshots):
    """Everybody, a waiting request and a mentorship with every kind of private note."""
    return snapshots.once((__name__, "world"), lambda: _world(app, launch))


def _world(app, launch):
    w = types.SimpleNamespace()
    w.mentee = join(app, launch, "mentee", name="Luca Learner")
    w.mentor = join(app, launch, "mentor", role="Community TA", name="Marta Mentore")
    w.other_learner = join(app, launch, "other-learner", name="Olga Other")
    w.other_mentor = join(app, launch, "other-mentor", role="Community TA", name="Oscar")
    w.staff = join(app, launch, "teacher", role="staff", name="Stella Staff")
    w.foreign_staff = join(
        app, launch, "far-teacher", role="staff", name="Fabio", context_id=OTHER_COURSE
    )
    elsewhere = make_course("Course on another platform")
    w.other_platform = sign_into(app, make_member(elsewhere, name="Pia Platform"))
    course = w.mentee.membership.course
    w.profile = make_mentor(course, membership=w.mentor.membership)
    make_mentor(course, membership=w.other_mentor.membership)
    w.request = send(make_member(course, name="Anna Asker"), w.profile)
    w.mentorship = start(w.mentee.membership, w.profile)
    w.agreement = agreements.propose_agreement(w.mentee.membership, w.mentorship, **AGREEMENT)
    log(w.mentee.membership, w.mentorship)
    agreements.save_mentor_preparation(w.mentor.membership, w.mentorship, 1, **MENTOR_FORM)
    agreements.save_mentee_preparation(w.mentee.membership, w.mentorship, 1, **MENTEE_FORM)
    db.session.commit()
    return w


OK, FOUND, FORBIDDEN, MISSING, NO_LAUNCH = 200, 302, 403, 404, 401
PAIR_ONLY = {"mentee": OK, "mentor": OK, "other_learner": MISSING, "other_mentor": MISSING}
PARTICIPANTS = {"mentee": OK, "mentor": OK, "other_learner": OK, "other_mentor": OK}

# method, path, data, expected per person (staff of another course and a learner of another
# platform have no launch into the course: 401 everywhere).
PAGES = [
    ("GET", "/requests/new/{profile.id}", None, {**PARTICIPANTS, "staff": FORBIDDEN}),
    ("GET", "/requests/inbox", None, {**PARTICIPANTS, "staff": FORBIDDEN}),
    ("GET", "/requests", None, {**PARTICIPANTS, "staff": FORBIDDEN}),
    (
        "GET",
        "/requests/{request.id}",
        None,
        {
            "mentee": MISSING,
            "mentor": OK,
            "other_learner": MISSING,
            "other_mentor": MISSING,
            "staff": FORBIDDEN,
        },
    ),
    (
        "POST",
        "/requests/{request.id}/accept",
        {"proposal": "Yes"},
        {
            "mentee": MISSING,
            "mentor": FOUND,
            "other_learner": MISSING,
            "other_mentor": MISSING,
            "staff": FORBIDDEN,
        },
    ),
    (
        "POST",
        "/requests/{request.id}/decline",
        {"reason": "No"},
        {
            "mentee": MISSING,
            "mentor": FOUND,
            "other_learner": MISSING,
            "other_mentor": MISSING,
            "staff": FORBIDDEN,
        },
    ),
    (
        "POST",
        "/requests/{request.id}/withdraw",
        {},
        {
            "mentee": MISSING,
            "mentor": FORBIDDEN,
            "other_learner": MISSING,
            "other_mentor": MISSING,
            "staff": FORBIDDEN,
        },
    ),
    ("GET", "/mentorships", None, {**PARTICIPANTS, "staff": FORBIDDEN}),
    ("GET", "/mentorships/{mentorship.id}", None, {**PAIR_ONLY, "staff": OK}),
    (
        "POST",
        "/mentorships/{mentorship.id}/agreement",
        {"goals": "G", "contact_modes": "video", "frequency": "Monthly"},
        {**PAIR_ONLY, "mentee": FOUND, "mentor": FOUND, "staff": FORBIDDEN},
    ),
    (
        "POST",
        "/mentorships/{mentorship.id}/agreement/{agreement.id}/confirm",
        {},
        {**PAIR_ONLY, "mentee": FOUND, "mentor": FOUND, "staff": FORBIDDEN},  # mentee: again
    ),
    (
        "POST",
        "/mentorships/{mentorship.id}/contacts",
        {
            "held_on": (date.today() - timedelta(days=30)).isoformat(),
            "mode": "phone",
            "duration_minutes": "30",
        },
        {**PAIR_ONLY, "mentee": FOUND, "mentor": FOUND, "staff": FORBIDDEN},
    ),
    ("GET", "/mentorships/{mentorship.id}/contacts/1", None, {**PAIR_ONLY, "staff": FORBIDDEN}),
    (
        "POST",
        "/mentorships/{mentorship.id}/contacts/1",
        {"question_next": "Q", "offered_last": "knowledge"},
        {**PAIR_ONLY, "mentee": FOUND, "mentor": FOUND, "staff": FORBIDDEN},
    ),
    ("GET", "/mentorships/{mentorship.id}/end", None, {**PAIR_ONLY, "staff": FORBIDDEN}),
    (
        "POST",
        "/mentorships/{mentorship.id}/end",
        {"reason": "Moving", "talked_it_over": "y"},
        {**PAIR_ONLY, "mentee": FOUND, "mentor": FOUND, "staff": FORBIDDEN},  # mentor: ended
    ),
    ("GET", "/mentorships/{mentorship.id}/evaluation", None, {**PAIR_ONLY, "staff": FORBIDDEN}),
    ("GET", "/concerns/new", None, {**PARTICIPANTS, "staff": FORBIDDEN}),
    (
        "POST",
        "/concerns/new",
        {"text": "Uneasy", "mentorship": "0", "about": "0"},
        {
            **PARTICIPANTS,
            "mentee": FOUND,
            "mentor": FOUND,
            "other_learner": FOUND,
            "other_mentor": FOUND,
            "staff": FORBIDDEN,
        },
    ),
]
#: Outsiders act first, so that a refusal is checked before the pair changes anything.
ORDER = (
    "other_platform",
    "foreign_staff",
    "staff",
    "other_learner",
    "other_mentor",
    "mentee",
    "mentor",
)


@pytest.mark.parametrize(
    ("method", "path", "data", "expected"),
    PAGES,
    ids=[f"{method} {path}" for method, path, _, _ in PAGES],
)
def test_who_may_open_what(world, method, path, data, expected):
    """The request of the table was sent by someone else: the pair's mentee is an outsider to it.

    When the mentee ends the mentorship early, the mentor then finds it ended (200, no form).
    """
    target = path.format(**vars(world))
    seen = {}
    for person in ORDER:
        visitor = getattr(world, person)
        before = count_rows(*TABLES)
        if method == "GET":
            response = visitor.client.get(world.mentee.url(target))
        else:
            response = visitor.post(target, data, course_id=world.mentee.course_id)
        page = response.get_data(as_text=True)
        seen[person] = response.status_code
        if person not in {"mentee", "mentor"}:
            assert not [words for words in PRIVATE if words in page], (person, target)
        if response.status_code not in {OK, FOUND} or method == "GET":
            assert count_rows(*TABLES) == before, (person, target)
    wanted = {person: expected.get(person, NO_LAUNCH) for person in ORDER}
    assert seen == wanted


@pytest.mark.parametrize("person", ["foreign_staff", "other_platform"])
@pytest.mark.parametrize(
    "path",
    [
        "/requests/{request.id}",
        "/mentorships/{mentorship.id}",
        "/mentorships/{mentorship.id}/contacts/1",
        "/mentorships/{mentorship.id}/evaluation",
        "/requests/new/{profile.id}",
    ],
)
def test_ids_of_this_course_are_not_found_from_another_course(world, person, path):
    visitor = getattr(world, person)

    response = visitor.get(path.format(**vars(world)))

    # staff of another course meet the role check first on participants' pages
    assert response.status_code in {MISSING, FORBIDDEN}
    assert response.status_code == MISSING or person == "foreign_staff"
    for private in PRIVATE:
        assert private not in response.get_data(as_text=True)
