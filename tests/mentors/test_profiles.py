"""Mentor profiles (§4.1): creation, validation, busy switch and the staff's decisions."""

from __future__ import annotations

import pytest

from lti_tool.audit import MentoringEvent
from lti_tool.extensions import db
from lti_tool.mentors import access, operations
from lti_tool.mentors.models import MentorStatus
from lti_tool.mentors.search import search_mentors
from lti_tool.notifications.models import Notification
from lti_tool.people.models import CourseRole
from lti_tool.programme.operations import programme_for
from lti_tool.refusals import NotAllowed, Refusal
from tests.conftest import count_rows
from tests.support.factories import make_course, make_member

OFFER = {
    "headline": "Leading teams through change",
    "bio": "Twenty years of project leadership.",
    "topics": "Leadership, project management",
    "languages": ["it", "en"],
    "contact_modes": ["video", "phone"],
    "roles_offered": ["advisor"],
    "capacity": 2,
    "link_url": "https://example.org/me",
}


@pytest.fixture
def course(app):
    course = make_course()
    make_member(course, CourseRole.STAFF, name="Stella Staff", email="staff@example.org")
    return course


def _ids(course_id, **criteria):
    return [hit.profile.id for hit in search_mentors(course_id, **criteria).hits]


def test_a_course_mentor_is_approved_at_once_and_found(course):
    mentor = make_member(course, CourseRole.MENTOR, name="Maria Rossi")

    profile = operations.create_profile(mentor, **OFFER)
    db.session.commit()

    assert profile.status == MentorStatus.APPROVED
    assert profile.topics == ["Leadership", "project management"]
    assert profile.languages == ["en", "it"]  # canonical order
    assert profile.contact_modes == ["phone", "video"]
    assert access.can_receive_requests(profile)
    assert _ids(course.id, text="maria lead") == [profile.id]
    assert count_rows(Notification)["notification"] == 0
    assert db.session.scalar(db.select(MentoringEvent.action)) == "created"


def test_with_approval_required_a_course_mentor_waits_and_staff_hear_of_it(course):
    programme_for(course).requires_mentor_approval = True
    mentor = make_member(course, CourseRole.MENTOR, name="Maria Rossi")

    profile = operations.open_profile(mentor)

    assert profile.status == MentorStatus.APPLICANT
    assert profile.capacity == 3  # the programme's default
    assert not access.can_receive_requests(profile)
    notice = db.session.scalar(db.select(Notification))
    assert notice.kind == "mentor_application"
    assert notice.params == {"mentor": "Maria Rossi"}
    assert operations.open_profile(mentor) is profile


def test_a_learner_who_volunteers_always_waits_for_approval(course):
    learner = make_member(course, CourseRole.LEARNER, name="Luca")

    profile = operations.volunteer(learner, **OFFER)

    assert profile.status == MentorStatus.APPLICANT
    assert _ids(course.id, include_unavailable=True) == []
    with pytest.raises(NotAllowed):
        operations.open_profile(make_member(course, CourseRole.LEARNER))
    with pytest.raises(NotAllowed):
        operations.volunteer(make_member(course, CourseRole.MENTOR))


def test_approval_puts_the_volunteer_in_search_and_tells_them(course):
    staff = make_member(course, CourseRole.STAFF)
    learner = make_member(course, CourseRole.LEARNER, name="Luca", locale="it")
    profile = operations.volunteer(learner, **OFFER)

    operations.approve_mentor(profile, staff)

    assert profile.status == MentorStatus.APPROVED and profile.status_changed_at
    assert _ids(course.id) == [profile.id]
    notice = db.session.scalar(db.select(Notification).filter_by(kind="mentor_status_changed"))
    assert notice.recipient_id == learner.id
    assert notice.link == f"/course/{course.id}/mentors/me"
    assert isinstance(notice.params["status"], str) and notice.params["status"]
    actions = list(db.session.scalars(db.select(MentoringEvent.action).order_by(MentoringEvent.id)))
    assert actions == ["created", "approved"]


@pytest.mark.parametrize("decision", ["pause_mentor", "exclude_mentor"])
def test_paused_and_excluded_mentors_leave_search_and_cannot_receive_requests(course, decision):
    staff = make_member(course, CourseRole.STAFF)
    profile = operations.create_profile(make_member(course, CourseRole.MENTOR), **OFFER)
    assert _ids(course.id) == [profile.id]

    getattr(operations, decision)(profile, staff)

    assert not access.can_receive_requests(profile)
    assert _ids(course.id) == []
    assert _ids(course.id, include_unavailable=True) == []


def test_status_changes_follow_their_rules(course):
    staff = make_member(course, CourseRole.STAFF)
    profile = operations.volunteer(make_member(course, CourseRole.LEARNER), **OFFER)
    events = count_rows(MentoringEvent)["mentoring_event"]

    with pytest.raises(Refusal):
        operations.pause_mentor(profile, staff)  # an applicant is not paused
    operations.approve_mentor(profile, staff)
    with pytest.raises(Refusal):
        operations.approve_mentor(profile, staff)
    operations.pause_mentor(profile, staff)
    operations.approve_mentor(profile, staff)
    operations.exclude_mentor(profile, staff)
    with pytest.raises(Refusal):
        operations.exclude_mentor(profile, staff)
    operations.approve_mentor(profile, staff)  # staff may take an exclusion back

    assert count_rows(MentoringEvent)["mentoring_event"] == events + 5


@pytest.mark.parametrize("actor_role", ["mentor_self", "learner", "foreign_staff"])
def test_only_the_course_staff_decide(course, actor_role):
    mentor = make_member(course, CourseRole.MENTOR)
    profile = operations.create_profile(mentor, **OFFER)
    actor = {
        "mentor_self": mentor,
        "learner": make_member(course, CourseRole.LEARNER),
        "foreign_staff": make_member(make_course(), CourseRole.STAFF),
    }[actor_role]

    with pytest.raises(NotAllowed):
        operations.exclude_mentor(profile, actor)
    assert profile.status == MentorStatus.APPROVED


def test_busy_and_full_mentors_leave_search_but_show_all_labels_them(course):
    busy = operations.create_profile(make_member(course, CourseRole.MENTOR, name="Bea"), **OFFER)
    full = operations.create_profile(make_member(course, CourseRole.MENTOR, name="Fede"), **OFFER)
    free = operations.create_profile(make_member(course, CourseRole.MENTOR, name="Gina"), **OFFER)

    operations.set_busy(busy, True, busy.membership)
    full.active_mentorships = full.capacity
    operations.refresh_search_document(full)
    db.session.flush()

    assert not access.can_receive_requests(busy)
    assert not access.can_receive_requests(full)
    assert _ids(course.id) == [free.id]
    shown = search_mentors(course.id, include_unavailable=True).hits
    assert [(hit.profile.id, hit.profile.is_taking_mentees) for hit in shown] == [
        (busy.id, False),
        (full.id, False),
        (free.id, True),
    ]

    operations.set_busy(busy, False, busy.membership)
    assert _ids(course.id) == [busy.id, free.id]


def test_the_tool_sets_a_mentor_busy_and_remembers_when(course):
    profile = operations.create_profile(make_member(course, CourseRole.MENTOR), **OFFER)

    operations.set_busy(profile, True, None)
    assert profile.is_busy and profile.busy_set_automatically_at is not None
    operations.set_busy(profile, False, profile.membership)
    assert profile.busy_set_automatically_at is None
    with pytest.raises(NotAllowed):
        operations.set_busy(profile, True, make_member(course, CourseRole.LEARNER))


BAD_FIELDS = [
    ("headline", "x" * 201, "at most 200"),
    ("bio", "x" * 4001, "at most 4000"),
    ("topics", ", ".join(f"topic {i}" for i in range(11)), "at most 10 topics"),
    ("topics", "y" * 61, "at most 60 characters"),
    ("languages", ["klingon"], "only from the options"),
    ("contact_modes", ["telepathy"], "only from the options"),
    ("roles_offered", ["guru"], "only from the options"),
    ("capacity", 0, "from 1 to 3"),
    ("capacity", 4, "from 1 to 3"),
    ("link_url", "javascript:alert(1)", "http:// or https://"),
    ("link_url", "https://" + "a" * 500, "http:// or https://"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS)
def test_bad_profile_values_are_refused_and_nothing_changes(course, field, value, message):
    mentor = make_member(course, CourseRole.MENTOR)
    profile = operations.create_profile(mentor, **OFFER)
    db.session.commit()
    before = (profile.search_document, count_rows(MentoringEvent))

    with pytest.raises(operations.ProfileError) as refused:
        operations.update_profile(profile, mentor, **{**OFFER, field: value})

    assert list(refused.value.errors) == [field]
    assert message in refused.value.errors[field]
    db.session.rollback()
    assert (profile.search_document, count_rows(MentoringEvent)) == before
    assert profile.headline == OFFER["headline"]


def test_topics_are_trimmed_and_repeats_dropped():
    assert operations.parse_topics(
        " Leadership ,leadership, LEADERSHIP,, Città ,citta,  a  b "
    ) == [
        "Leadership",
        "Città",
        "a b",
    ]


def test_only_the_mentor_edits_their_profile(course):
    mentor = make_member(course, CourseRole.MENTOR)
    profile = operations.create_profile(mentor, **OFFER)
    for other in (make_member(course, CourseRole.STAFF), make_member(course, CourseRole.MENTOR)):
        with pytest.raises(NotAllowed):
            operations.update_profile(profile, other, headline="Hacked")
    assert profile.headline == OFFER["headline"]


def test_editing_keeps_the_search_document_in_step(course):
    mentor = make_member(course, CourseRole.MENTOR, name="Maria")
    profile = operations.create_profile(mentor, **OFFER)
    db.session.commit()

    operations.update_profile(profile, mentor, topics="Negotiation", languages=["de"])
    db.session.commit()

    assert _ids(course.id, topics=["negotiation"], languages=["de"]) == [profile.id]
    assert _ids(course.id, topics=["Leadership"]) == []
    assert _ids(course.id, text="negot") == [profile.id]
