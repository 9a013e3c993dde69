"""Staff take people out of the programme through confirmation pages (issue 10)."""

from __future__ import annotations

import types

import pytest

from lti_tool.extensions import db
from lti_tool.mentoring.models import ContactRequest, Mentorship, MentorshipStatus, RequestStatus
from lti_tool.mentors.models import MentorProfile, MentorStatus
from lti_tool.people.models import Membership
from tests.conftest import count_rows
from tests.mentoring.factories import send, start
from tests.mentoring.web import join
from tests.support.factories import make_mentor


@pytest.fixture
def world(app, launch):
    """Staff, a mentor with a waiting request and a mentorship, another mentor, a learner."""
    mentee = join(app, launch, "mentee", name="Luca Learner")
    waiting = join(app, launch, "waiting", name="Wanda Waiting")
    mentor = join(app, launch, "mentor", role="Community TA", name="Marta Mentore")
    other = join(app, launch, "other", role="Community TA", name="Oscar Other")
    staff = join(app, launch, "teacher", role="staff", name="Stella Staff")
    profile = make_mentor(mentor.membership.course, membership=mentor.membership)
    other_profile = make_mentor(other.membership.course, membership=other.membership)
    mentorship = start(mentee.membership, profile)
    request = send(waiting.membership, profile)
    db.session.commit()
    return types.SimpleNamespace(
        mentee=mentee,
        waiting=waiting,
        mentor=mentor,
        staff=staff,
        profile_id=profile.id,
        other_profile_id=other_profile.id,
        mentorship_id=mentorship.id,
        request_id=request.id,
    )


def test_excluding_asks_first_then_hands_over_as_chosen(world):
    path = f"/staff/mentors/{world.profile_id}/exclude"
    before = count_rows(Mentorship, ContactRequest)

    page = world.staff.get(path).get_data(as_text=True)

    assert "Confirm: exclude Marta Mentore" in page
    assert "1 request waiting for their answer is closed" in page
    assert "Hand over to Oscar Other" in page
    assert count_rows(Mentorship, ContactRequest) == before  # asking changes nothing
    response = world.staff.post(path, {f"handover-{world.mentorship_id}": world.other_profile_id})
    assert response.status_code == 302
    assert db.session.get(MentorProfile, world.profile_id).status == MentorStatus.EXCLUDED
    assert db.session.get(ContactRequest, world.request_id).status == RequestStatus.DECLINED
    old = db.session.get(Mentorship, world.mentorship_id)
    assert old.status == MentorshipStatus.ENDED_EARLY
    successor = db.session.query(Mentorship).filter_by(handed_over_from_id=old.id).one()
    assert successor.mentor_id == world.other_profile_id
    # The excluded mentor no longer opens the mentorship; the mentee still sees its history.
    assert world.mentor.get(f"/mentorships/{old.id}").status_code == 404
    assert world.mentee.get(f"/mentorships/{old.id}").status_code == 200


def test_a_hand_over_to_someone_not_offered_is_refused(world):
    path = f"/staff/mentors/{world.profile_id}/exclude"

    response = world.staff.post(path, {f"handover-{world.mentorship_id}": "999999"})

    assert response.status_code == 400
    assert db.session.get(MentorProfile, world.profile_id).status == MentorStatus.APPROVED


def test_a_barred_learner_sees_a_neutral_page_until_the_bar_is_lifted(world):
    member_id = world.mentee.membership_id
    path = f"/staff/people/{member_id}/bar"
    assert "Confirm: bar Luca Learner" in world.staff.get(path).get_data(as_text=True)

    assert world.staff.post(path, {}).status_code == 302

    assert db.session.get(Membership, member_id).barred_at is not None
    assert db.session.get(Mentorship, world.mentorship_id).status == MentorshipStatus.ENDED_EARLY
    refused = world.mentee.get("/mentorships")
    assert refused.status_code == 403
    assert "not available to you" in refused.get_data(as_text=True)
    assert world.mentee.get("/privacy/my-data.json").status_code == 200  # their data stays theirs

    assert world.staff.post(f"/staff/people/{member_id}/lift-bar", {}).status_code == 302
    assert db.session.get(Membership, member_id).barred_at is None
    assert world.mentee.get("/mentorships").status_code == 200


def test_staff_end_a_mentorship_after_confirming(world):
    path = f"/staff/mentorships/{world.mentorship_id}/end"

    page = world.staff.get(path).get_data(as_text=True)
    assert "Confirm: end the mentorship" in page
    assert db.session.get(Mentorship, world.mentorship_id).status == MentorshipStatus.ACTIVE
    for _ in range(2):  # a double click ends it once
        assert world.staff.post(path, {}).status_code == 302

    ended = db.session.get(Mentorship, world.mentorship_id)
    assert (ended.status, ended.end_reason) == (
        MentorshipStatus.ENDED_EARLY,
        "Ended by the programme.",
    )
    assert world.mentee.post(path, {}).status_code == 403
