"""Erasing a person removes their names, address and texts everywhere, and breaks nothing
the other people share with them (§3)."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.audit import MentoringEvent
from lti_tool.evaluation.models import Evaluation
from lti_tool.evaluation.queries import answers_by_field
from lti_tool.extensions import db
from lti_tool.mentoring.models import (
    Agreement,
    ContactRequest,
    MenteePreparation,
    MentorPreparation,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from lti_tool.mentors.models import MentorProfile, MentorStatus
from lti_tool.notifications.models import Notification, OutboxEmail
from lti_tool.people.models import Membership, User
from lti_tool.privacy.operations import erase_person
from lti_tool.reflection.models import ReflectionAnswer, ReflectionRevision
from tests.conftest import count_rows
from tests.mentoring.factories import send
from tests.mentoring.web import join
from tests.support.factories import make_member


def _database_text() -> str:
    """Every value of every row of every table, as one text."""
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            values.extend(str(value) for value in row)
    return "\n".join(values)


def _erase(user: User) -> None:
    erase_person(user)
    db.session.commit()
    db.session.expire_all()


def test_erasing_the_mentee_leaves_no_name_address_or_text_of_hers(journey):
    user = journey.mentee.user
    old_subject = user.subject
    before = _database_text()
    assert "Luca" in before and "luca@example.org" in before and "luca-private" in before

    _erase(user)

    text = _database_text()
    for trace in ("Luca", "luca@example.org", "luca-private", "luca-shared", old_subject):
        assert trace not in text, trace
    assert user.subject.startswith("erased-")
    assert (user.name, user.email, user.locale) == (None, None, None)
    assert journey.mentee.is_active is False
    assert count_rows(ReflectionAnswer, ReflectionRevision) == {
        "reflection_answer": 0,
        "reflection_revision": 0,
    }
    assert (
        db.session.scalars(select(Notification).filter_by(recipient_id=journey.mentee.id)).all()
        == []
    )
    assert all(
        email.to_address != "luca@example.org" for email in db.session.scalars(select(OutboxEmail))
    )
    erased = db.session.scalars(select(MentoringEvent).filter_by(action="erased")).all()
    assert [(event.subject, event.subject_id, event.data) for event in erased] == [
        ("membership", journey.mentee.id, {})
    ]


def test_erasing_keeps_counts_dates_statuses_and_the_other_sides_rows(journey):
    _erase(journey.mentee.user)

    finished = db.session.get(Mentorship, journey.finished.id)
    assert (finished.status, finished.contacts_done) == (MentorshipStatus.CONCLUDED, 4)
    assert finished.concluded_at is not None
    # The active mentorship ended early; Otto's place is free again.
    active = db.session.get(Mentorship, journey.active.id)
    assert active.status == MentorshipStatus.ENDED_EARLY
    assert active.end_reason == "Erased on request."  # in Otto's language
    assert active.ended_by_id == journey.mentee.id
    assert db.session.get(MentorProfile, journey.otto.id).active_mentorships == 0
    # Her rows stay, blanked; the scores of evaluations stay for the staff's statistics.
    request = db.session.get(ContactRequest, finished.request_id)
    assert (request.status, request.question, request.ideas) == (RequestStatus.ACCEPTED, "", "")
    assert (
        request.proposal == "Marta Mentore proposes a first call on Tuesday."
    )  # the mentor's text
    agreement = db.session.scalar(select(Agreement).filter_by(mentorship_id=finished.id))
    assert (agreement.goals, agreement.version, agreement.contact_modes) == (
        "",
        1,
        ["phone", "video"],
    )
    assert agreement.mentee_confirmed_at is not None
    mentee_form = db.session.scalar(select(MenteePreparation).filter_by(mentorship_id=finished.id))
    assert (mentee_form.needs, mentee_form.contact_number) == ("", 1)
    # Marta's own form and evaluation are hers: untouched.
    mentor_form = db.session.scalar(select(MentorPreparation).filter_by(mentorship_id=finished.id))
    assert mentor_form.offered_notes == "marta-private offered notes"
    evaluations = {
        row.side.value: row
        for row in db.session.scalars(select(Evaluation).filter_by(mentorship_id=finished.id))
    }
    mentor_answers = answers_by_field(evaluations["mentor"].id)
    mentee_answers = answers_by_field(evaluations["mentee"].id)
    assert mentor_answers["what_helped"] == "marta-private what helped"
    assert (mentee_answers["what_helped"], mentee_answers["process_rating"]) == (None, 5)
    # Otto was told, without her name.
    notice = db.session.scalar(
        select(Notification).filter_by(
            recipient_id=journey.otto.membership_id, kind="mentorship_ended_early"
        )
    )
    assert notice.params["author"] == "a former participant"
    (email,) = db.session.scalars(select(OutboxEmail).filter_by(notification_id=notice.id))
    assert "a former participant" in email.body and "Luca" not in email.body


def test_erasing_a_mentor_keeps_the_mentees_mentorships(journey):
    marta = journey.marta
    second = make_member(journey.course, name="Nina Newcomer")
    pending = send(second, marta)
    db.session.commit()

    _erase(marta.membership.user)

    text = _database_text()
    assert "Marta" not in text and "marta@example.org" not in text and "marta-private" not in text
    profile = db.session.get(MentorProfile, marta.id)  # still referenced: kept, emptied
    assert (profile.headline, profile.bio, profile.topics) == ("", "", [])
    assert (profile.status, profile.is_busy, profile.active_mentorships) == (
        MentorStatus.PAUSED,
        True,
        0,
    )
    assert db.session.get(ContactRequest, pending.id).status == RequestStatus.DECLINED
    finished = db.session.get(Mentorship, journey.finished.id)
    assert finished.mentor_id == marta.id and finished.status == MentorshipStatus.CONCLUDED
    # Luca's side of their mentorship is hers to keep.
    mentee_form = db.session.scalar(select(MenteePreparation).filter_by(mentorship_id=finished.id))
    assert mentee_form.needs == "luca-private what I need"
    assert journey.mentee.user.name == "Luca Learner"


def test_a_mentor_profile_nobody_refers_to_is_deleted(app):
    from tests.support.factories import make_course, make_mentor

    profile = make_mentor(make_course(), name="Ida Idle")
    profile_id, user = profile.id, profile.membership.user
    db.session.commit()

    _erase(user)

    assert db.session.get(MentorProfile, profile_id) is None


def test_a_new_launch_with_the_old_subject_creates_a_new_account(app, launch, runner):
    person = join(app, launch, "luca", name="Luca Learner")
    old = person.membership
    old_user_id, issuer = old.user_id, old.user.issuer

    result = runner.invoke(args=["privacy", "erase", issuer, "luca", "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()

    again = join(app, launch, "luca", name="Luca Learner")

    assert again.membership.user_id != old_user_id
    assert again.membership.user.subject == "luca"
    assert db.session.get(User, old_user_id).subject.startswith("erased-")
    assert db.session.get(Membership, old.id).is_active is False
    assert again.get("/privacy/my-data.json").get_json()["memberships"][0]["mentorships"] == []
