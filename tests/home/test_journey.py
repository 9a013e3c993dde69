"""Home shows a learner's own journey as steps with the current one and its next action, and a
mentor what waits for them (issue 14); identity details live on "My data"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select

from lti_tool.extensions import db
from lti_tool.mentoring import agreements, mentorships, requests
from lti_tool.mentoring.journey import learner_journey
from lti_tool.mentoring.models import Mentorship, RequestStatus
from lti_tool.people.models import CourseRole
from lti_tool.programme.models import StandardsAcceptance
from tests.mentoring.factories import AGREEMENT, EVALUATION, conclude, log, send, start
from tests.mentoring.web import sign_into
from tests.support.factories import make_course, make_member, make_mentor
from tests.support.statements import counting

CURRENT = re.compile(r'data-step="(\w+)" aria-current="step"')
DONE = re.compile(r'class="journey-step is-done"\s+data-step="(\w+)"')
NEXT_ACTION = re.compile(r'data-testid="next-action" href="([^"]+)"')


def _no_mentor(learner, mentor):
    return None


def _requested(learner, mentor):
    send(learner, mentor)


def _declined(learner, mentor):
    request = send(learner, mentor)
    requests.decline_request(mentor.membership, request, reason="Not my field, sorry.")


def _matched(learner, mentor):
    start(learner, mentor)


def _agreed(learner, mentor):
    mentorship = start(learner, mentor)
    agreement = agreements.propose_agreement(learner, mentorship, **AGREEMENT)
    agreements.confirm_agreement(mentor.membership, agreement)


def _two_contacts(learner, mentor):
    mentorship = start(learner, mentor)
    log(learner, mentorship, days_ago=7)
    log(learner, mentorship, days_ago=1)


def _concluded(learner, mentor):
    conclude(start(learner, mentor))


def _evaluated(learner, mentor):
    mentorship = conclude(start(learner, mentor))
    mentorships.submit_evaluation(learner, mentorship, **EVALUATION)


@pytest.mark.parametrize(
    ("arrange", "current", "done", "action"),
    [
        (_no_mentor, "mentor", {"standards"}, "/mentors"),
        (_requested, "answer", {"standards", "mentor"}, "/requests"),
        (_declined, "mentor", {"standards"}, "/mentors"),
        (_matched, "agreement", {"standards", "mentor", "answer"}, "/mentorships/{m}"),
        (_agreed, "contacts", {"standards", "mentor", "answer", "agreement"}, "/contacts/1"),
        (_two_contacts, "contacts", {"standards", "mentor", "answer", "agreement"}, "/contacts/3"),
        (
            _concluded,
            "evaluation",
            {"standards", "mentor", "answer", "agreement", "contacts"},
            "/evaluation",
        ),
        (
            _evaluated,
            None,
            {"standards", "mentor", "answer", "agreement", "contacts", "evaluation"},
            None,
        ),
    ],
    ids=[
        "no-mentor",
        "requested",
        "declined",
        "matched",
        "agreed",
        "two-contacts",
        "concluded",
        "evaluated",
    ],
)
def test_home_shows_the_learners_current_step_and_its_next_action_opens(
    app, arrange, current, done, action
):
    course = make_course()
    learner = make_member(course, name="Lea Learner")
    mentor = make_mentor(course, name="Mia Mentor")
    arrange(learner, mentor)
    db.session.commit()
    person = sign_into(app, learner)

    page = person.get("/").get_data(as_text=True)

    assert CURRENT.findall(page) == ([current] if current else [])
    assert set(DONE.findall(page)) == done
    links = NEXT_ACTION.findall(page)
    if action is None:
        assert links == []
        assert 'data-testid="journey-complete"' in page
        return
    assert len(links) == 1
    mentorship_id = db.session.scalar(select(Mentorship.id).filter_by(mentee_id=learner.id))
    assert action.format(m=mentorship_id) in links[0]
    opened = person.client.get(links[0].split("#")[0])
    assert opened.status_code == 200, links[0]


def test_a_learner_who_has_not_accepted_the_standards_starts_there(app):
    course = make_course()
    learner = make_member(course)
    db.session.execute(delete(StandardsAcceptance).filter_by(user_id=learner.user_id))
    db.session.commit()
    person = sign_into(app, learner)

    page = person.get("/").get_data(as_text=True)

    assert CURRENT.findall(page) == ["standards"]
    assert "/standards" in NEXT_ACTION.findall(page)[0]


def test_the_contact_count_reads_n_of_planned(app):
    course = make_course()
    learner = make_member(course)
    mentor = make_mentor(course)
    mentorship = start(learner, mentor)
    log(learner, mentorship)
    db.session.commit()

    page = sign_into(app, learner).get("/").get_data(as_text=True)

    assert "1 contact of 4" in page


def test_a_mentor_sees_requests_to_answer_and_the_next_contact_to_prepare(app):
    course = make_course()
    mentor = make_mentor(course, name="Mia Mentor", capacity=3)
    waiting = make_member(course, name="Walter Waiting")
    paired = make_member(course, name="Paola Paired")
    send(waiting, mentor)
    mentorship = start(paired, mentor)
    log(paired, mentorship)
    db.session.commit()
    person = sign_into(app, mentor.membership)

    page = person.get("/").get_data(as_text=True)

    assert "Answer 1 request" in page
    assert "Prepare contact 2 with Paola Paired" in page
    assert f"/mentorships/{mentorship.id}/contacts/2" in page
    assert 'data-step="' not in page  # a mentor's home is not the learner's journey


def test_a_mentor_without_profile_is_asked_to_complete_it(app):
    course = make_course()
    mentor = make_member(course, CourseRole.MENTOR)
    db.session.commit()

    page = sign_into(app, mentor).get("/").get_data(as_text=True)

    assert "/mentors/me" in NEXT_ACTION.findall(page)[0]


def test_identity_details_moved_to_my_data(app):
    course = make_course()
    learner = make_member(course, name="Lea Learner", email="lea@example.org")
    db.session.commit()
    person = sign_into(app, learner)

    home = person.get("/").get_data(as_text=True)
    data = person.get("/privacy/my-data").get_data(as_text=True)

    assert "You in this course" not in home
    assert "lea@example.org" not in home
    assert "You in this course" in data and "lea@example.org" in data


def test_the_journey_counts_pending_requests_and_knows_the_newest_ones_status(app):
    """Pending requests are counted and the newest request's status read in one statement: a
    learner waiting on one mentor whose newer request to another was declined."""
    course = make_course()
    learner = make_member(course)
    first, second = make_mentor(course, name="Mia Mentor"), make_mentor(course, name="Max Mentor")
    send(learner, first)
    declined = send(learner, second)
    requests.decline_request(second.membership, declined, reason="Not my field, sorry.")
    db.session.commit()
    db.session.refresh(learner)

    with counting() as seen:
        journey = learner_journey(learner, has_accepted_standards=True)

    assert journey.pending_requests == 1
    assert journey.last_request_status == RequestStatus.DECLINED
    assert len(seen["statements"]) == 2  # the latest mentorship (none), then the requests


def test_the_home_page_reads_a_participants_mentor_profile_once(app):
    """The home page reads the member's mentor profile for their tasks; the menu, which asks
    whether a learner mentors too, is answered from that read."""
    course = make_course()
    volunteer = make_member(course, name="Vera Volunteer")
    make_mentor(course, membership=volunteer)
    newcomer = make_member(course, name="Nico Newcomer")
    db.session.commit()

    for member, entry, not_entry in (
        (volunteer, "My mentor profile", "Become a mentor"),
        (newcomer, "Become a mentor", "My mentor profile"),
    ):
        person = sign_into(app, member)
        person.get("/")
        with counting() as seen:
            page = person.get("/").get_data(as_text=True)

        reads = [s for s in seen["statements"] if re.search(r"\bFROM mentor_profile\b", s)]
        assert len(reads) == 1, reads
        assert entry in page and not_entry not in page
