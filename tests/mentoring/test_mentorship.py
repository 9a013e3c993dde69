"""Mentorships (§4.4–§4.6): agreement, contacts, preparation forms, ending and evaluation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from lti_tool.evaluation.models import Evaluation, EvaluationAnswer
from lti_tool.evaluation.queries import answers_by_field
from lti_tool.extensions import db
from lti_tool.mentoring import agreements, mentorships
from lti_tool.mentoring.choices import CONTACT_MODES
from lti_tool.mentoring.models import (
    Agreement,
    ContactLog,
    MenteePreparation,
    MentorPreparation,
    MentorshipStatus,
)
from lti_tool.mentoring.rules import (
    AlreadyDone,
)
from lti_tool.notifications.models import Notification
from lti_tool.notifications.operations import render_text
from lti_tool.people.models import Side
from lti_tool.refusals import NotAllowed, Refusal
from tests.conftest import count_rows

from .factories import (
    AGREEMENT,
    EVALUATION,
    MENTEE_FORM,
    MENTOR_FORM,
    conclude,
    log,
    start,
)

OUTSIDERS = ["other_learner", "staff", "foreign_learner", "foreign_staff"]


@pytest.fixture
def pair(cohort, snapshots):
    """The cohort with an active mentorship of its mentee and mentor."""

    def build():
        cohort.mentorship = start(cohort.mentee, cohort.mentor)
        return cohort

    return snapshots.once((__name__, "pair"), build)


def _notices(kind):
    return db.session.scalars(
        select(Notification).filter_by(kind=kind).order_by(Notification.id)
    ).all()


def _recipients(kind):
    return sorted(notice.recipient_id for notice in _notices(kind))


def _outsider(pair, who):
    return pair.other_mentor.membership if who == "other_mentor" else getattr(pair, who)


# --- agreement -------------------------------------------------------------------------------


def test_the_proposer_confirms_by_proposing_and_the_other_side_is_asked(pair):
    agreement = agreements.propose_agreement(pair.mentee, pair.mentorship, **AGREEMENT)

    assert agreement.version == 1
    assert agreement.contact_modes == ["phone", "video"]  # the programme's order
    assert agreement.mentee_confirmed_at is not None
    assert agreement.mentor_confirmed_at is None
    assert not agreement.is_confirmed
    [notice] = _notices("agreement_proposed")
    assert notice.recipient_id == pair.mentor.membership_id
    assert notice.params == {"author": "Luca Learner", "version": 1}


def test_the_other_side_confirms_and_both_are_told(pair):
    agreement = agreements.propose_agreement(pair.mentee, pair.mentorship, **AGREEMENT)

    agreements.confirm_agreement(pair.mentor.membership, agreement)

    assert agreement.is_confirmed
    assert _recipients("agreement_confirmed") == sorted([pair.mentee.id, pair.mentor.membership_id])


def test_one_cannot_confirm_ones_own_proposal_again(pair):
    agreement = agreements.propose_agreement(pair.mentee, pair.mentorship, **AGREEMENT)

    with pytest.raises(Refusal, match="already confirmed"):
        agreements.confirm_agreement(pair.mentee, agreement)


def test_confirming_twice_is_refused(pair):
    agreement = agreements.propose_agreement(pair.mentor.membership, pair.mentorship, **AGREEMENT)
    agreements.confirm_agreement(pair.mentee, agreement)

    with pytest.raises(Refusal, match="already confirmed"):
        agreements.confirm_agreement(pair.mentee, agreement)


def test_a_change_is_a_new_version_both_confirm_again(pair):
    first = agreements.propose_agreement(pair.mentee, pair.mentorship, **AGREEMENT)
    agreements.confirm_agreement(pair.mentor.membership, first)

    second = agreements.propose_agreement(
        pair.mentor.membership, pair.mentorship, **{**AGREEMENT, "frequency": "Every two weeks"}
    )

    assert second.version == 2
    assert second.mentor_confirmed_at is not None and second.mentee_confirmed_at is None
    assert first.is_confirmed  # the history is kept as it was
    with pytest.raises(Refusal, match="newer version"):
        agreements.confirm_agreement(pair.mentee, first)
    agreements.confirm_agreement(pair.mentee, second)
    assert second.is_confirmed


@pytest.mark.parametrize("who", [*OUTSIDERS, "other_mentor"])
def test_outsiders_neither_propose_nor_confirm(pair, who):
    agreement = agreements.propose_agreement(pair.mentee, pair.mentorship, **AGREEMENT)
    outsider = _outsider(pair, who)

    with pytest.raises(NotAllowed):
        agreements.propose_agreement(outsider, pair.mentorship, **AGREEMENT)
    with pytest.raises(NotAllowed):
        agreements.confirm_agreement(outsider, agreement)
    assert count_rows(Agreement) == {"agreement": 1}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"goals": ""}, "goals"),
        ({"goals": "g" * 4001}, "goals"),
        ({"frequency": " "}, "frequency"),
        ({"frequency": "f" * 201}, "frequency"),
        ({"contact_modes": []}, "contact_modes"),
        ({"contact_modes": ["video", "telepathy"]}, "contact_modes"),
    ],
)
def test_an_agreement_needs_goals_modes_and_frequency(pair, changes, field):
    with pytest.raises(Refusal) as refused:
        agreements.propose_agreement(pair.mentee, pair.mentorship, **{**AGREEMENT, **changes})
    assert refused.value.field == field
    assert count_rows(Evaluation, EvaluationAnswer) == {"evaluation": 0, "evaluation_answer": 0}
    assert count_rows(Agreement) == {"agreement": 0}


def test_no_agreement_after_an_early_end_but_after_conclusion_the_pair_may_continue(pair):
    conclude(pair.mentorship)
    agreements.propose_agreement(pair.mentee, pair.mentorship, **AGREEMENT)

    other = start(pair.other_learner, pair.mentor)
    mentorships.end_mentorship_early(
        pair.mentor.membership, other, reason="Moved", talked_it_over=True
    )
    with pytest.raises(Refusal, match="ended early"):
        agreements.propose_agreement(pair.other_learner, other, **AGREEMENT)


# --- contacts --------------------------------------------------------------------------------


def test_either_side_logs_numbered_contacts_without_an_agreement(pair):
    first = log(pair.mentee, pair.mentorship, days_ago=14)
    second = log(pair.mentor.membership, pair.mentorship)

    assert (first.number, second.number) == (1, 2)
    assert first.logged_by_id == pair.mentee.id
    assert pair.mentorship.contacts_done == 2
    assert pair.mentorship.status == MentorshipStatus.ACTIVE
    notices = _notices("contact_logged")
    assert [notice.recipient_id for notice in notices] == [
        pair.mentor.membership_id,
        pair.mentee.id,
    ]
    # The mode is written in each reader's language when the notice is read (or mailed).
    with force_locale("it"):
        italian = render_text(notices[0])[1]
    english = render_text(notices[1])[1]
    assert "Luca Learner" in italian and str(CONTACT_MODES["video"]) not in italian
    with force_locale("it"):
        assert str(CONTACT_MODES["video"]) in italian
    assert "(Video call)" in english


def test_the_last_planned_contact_concludes_and_asks_both_for_evaluations(pair):
    for days_ago in (21, 14, 7):
        log(pair.mentee, pair.mentorship, days_ago=days_ago)
    assert pair.mentor.active_mentorships == 1

    log(pair.mentor.membership, pair.mentorship)

    assert pair.mentorship.status == MentorshipStatus.CONCLUDED
    assert pair.mentorship.concluded_at is not None
    assert pair.mentor.active_mentorships == 0
    both = sorted([pair.mentee.id, pair.mentor.membership_id])
    assert _recipients("mentorship_concluded") == both
    assert _recipients("evaluation_due") == both


def test_the_pair_may_continue_after_conclusion(pair):
    conclude(pair.mentorship)

    fifth = log(pair.mentee, pair.mentorship)

    assert fifth.number == 5
    assert pair.mentorship.status == MentorshipStatus.CONCLUDED
    assert pair.mentor.active_mentorships == 0  # released once only
    assert len(_notices("mentorship_concluded")) == 2


@pytest.mark.parametrize("who", [*OUTSIDERS, "other_mentor"])
def test_nobody_logs_a_contact_in_someone_elses_mentorship(pair, who):
    with pytest.raises(NotAllowed):
        log(_outsider(pair, who), pair.mentorship)
    assert count_rows(ContactLog) == {"contact_log": 0}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": date.today() + timedelta(days=2)}, "held_on"),
        ({"mode": "fax"}, "mode"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 601}, "duration_minutes"),
    ],
)
def test_a_contact_needs_a_past_date_a_known_mode_and_a_sensible_duration(pair, changes, field):
    values = {"held_on": date.today(), "mode": "phone", "duration_minutes": 45, **changes}

    with pytest.raises(Refusal) as refused:
        mentorships.log_contact(pair.mentee, pair.mentorship, **values)
    assert refused.value.field == field
    assert pair.mentorship.contacts_done == 0


def test_no_contact_after_an_early_end(pair):
    mentorships.end_mentorship_early(pair.mentee, pair.mentorship, reason="x", talked_it_over=True)

    with pytest.raises(Refusal, match="ended early"):
        log(pair.mentee, pair.mentorship)


# --- preparation forms -----------------------------------------------------------------------


def test_the_mentor_saves_and_updates_their_form_with_the_seeds_items(pair):
    agreements.save_mentor_preparation(pair.mentor.membership, pair.mentorship, 1, **MENTOR_FORM)
    agreements.save_mentor_preparation(
        pair.mentor.membership,
        pair.mentorship,
        1,
        **{**MENTOR_FORM, "offered_last": ["stories", "questioning"], "next_goals": "Updated"},
    )

    [form] = db.session.scalars(select(MentorPreparation)).all()
    assert form.contact_number == 1
    assert form.offered_last == ["stories", "questioning"]
    assert form.techniques_used == ["active_listening", "feedback"]
    assert form.next_goals == "Updated"


def test_the_mentee_saves_their_own_form(pair):
    agreements.save_mentee_preparation(pair.mentee, pair.mentorship, 1, **MENTEE_FORM)

    [form] = db.session.scalars(select(MenteePreparation)).all()
    assert (form.question_next, form.tried_since, form.needs) == (
        MENTEE_FORM["question_next"],
        MENTEE_FORM["tried_since"],
        MENTEE_FORM["needs"],
    )


def test_each_side_fills_only_its_own_form(pair):
    with pytest.raises(NotAllowed):
        agreements.save_mentor_preparation(pair.mentee, pair.mentorship, 1, **MENTOR_FORM)
    with pytest.raises(NotAllowed):
        agreements.save_mentee_preparation(
            pair.mentor.membership, pair.mentorship, 1, **MENTEE_FORM
        )
    assert count_rows(MentorPreparation, MenteePreparation) == {
        "mentor_preparation": 0,
        "mentee_preparation": 0,
    }


@pytest.mark.parametrize("who", [*OUTSIDERS, "other_mentor"])
def test_outsiders_fill_no_form(pair, who):
    outsider = _outsider(pair, who)
    with pytest.raises(NotAllowed):
        agreements.save_mentor_preparation(outsider, pair.mentorship, 1, **MENTOR_FORM)
    with pytest.raises(NotAllowed):
        agreements.save_mentee_preparation(outsider, pair.mentorship, 1, **MENTEE_FORM)


@pytest.mark.parametrize("number", [0, 3, -1])
def test_forms_exist_for_past_contacts_and_the_next_one_only(pair, number):
    log(pair.mentee, pair.mentorship)  # contacts 1 (past) and 2 (next) may have forms

    with pytest.raises(Refusal, match="no such contact"):
        agreements.save_mentee_preparation(pair.mentee, pair.mentorship, number, **MENTEE_FORM)
    agreements.save_mentee_preparation(pair.mentee, pair.mentorship, 2, **MENTEE_FORM)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"offered_last": ["money"]}, "offered_last"),
        ({"techniques_used": ["hypnosis"]}, "techniques_used"),
        ({"mentee_needs": "n" * 4001}, "mentee_needs"),
    ],
)
def test_the_mentors_form_takes_only_the_seeds_choices(pair, changes, field):
    with pytest.raises(Refusal) as refused:
        agreements.save_mentor_preparation(
            pair.mentor.membership, pair.mentorship, 1, **{**MENTOR_FORM, **changes}
        )
    assert refused.value.field == field


def test_after_an_early_end_only_past_contacts_get_a_follow_up(pair):
    log(pair.mentee, pair.mentorship)
    mentorships.end_mentorship_early(pair.mentee, pair.mentorship, reason="x", talked_it_over=True)

    agreements.save_mentor_preparation(pair.mentor.membership, pair.mentorship, 1, **MENTOR_FORM)
    with pytest.raises(Refusal):
        agreements.save_mentor_preparation(
            pair.mentor.membership, pair.mentorship, 2, **MENTOR_FORM
        )


# --- ending early ----------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["mentee", "mentor"])
def test_either_side_ends_early_after_a_talk_with_a_reason(pair, side):
    actor = pair.mentee if side == "mentee" else pair.mentor.membership
    other = pair.mentor.membership if side == "mentee" else pair.mentee

    mentorships.end_mentorship_early(
        actor, pair.mentorship, reason="Our goals changed", talked_it_over=True
    )

    mentorship = pair.mentorship
    assert mentorship.status == MentorshipStatus.ENDED_EARLY
    assert mentorship.ended_by_id == actor.id
    assert mentorship.end_reason == "Our goals changed"
    assert mentorship.ended_at is not None
    assert pair.mentor.active_mentorships == 0
    [notice] = _notices("mentorship_ended_early")
    assert notice.recipient_id == other.id
    assert notice.params["reason"] == "Our goals changed"
    assert _recipients("evaluation_due") == sorted([pair.mentee.id, pair.mentor.membership_id])


@pytest.mark.parametrize("who", [*OUTSIDERS, "other_mentor"])
def test_nobody_ends_someone_elses_mentorship(pair, who):
    with pytest.raises(NotAllowed):
        mentorships.end_mentorship_early(
            _outsider(pair, who), pair.mentorship, reason="x", talked_it_over=True
        )
    assert pair.mentorship.status == MentorshipStatus.ACTIVE


def test_ending_early_needs_the_talk_and_a_reason(pair):
    with pytest.raises(Refusal) as refused:
        mentorships.end_mentorship_early(
            pair.mentee, pair.mentorship, reason="x", talked_it_over=False
        )
    assert refused.value.field == "talked_it_over"
    with pytest.raises(Refusal) as refused:
        mentorships.end_mentorship_early(
            pair.mentee, pair.mentorship, reason="", talked_it_over=True
        )
    assert refused.value.field == "reason"
    assert pair.mentorship.status == MentorshipStatus.ACTIVE


@pytest.mark.parametrize("state", ["concluded", "ended_early"])
def test_only_a_mentorship_in_progress_ends_early(pair, state):
    if state == "concluded":
        conclude(pair.mentorship)
    else:
        mentorships.end_mentorship_early(
            pair.mentee, pair.mentorship, reason="x", talked_it_over=True
        )

    with pytest.raises(Refusal, match="in progress|already ended"):
        mentorships.end_mentorship_early(
            pair.mentor.membership, pair.mentorship, reason="again", talked_it_over=True
        )


# --- evaluation ------------------------------------------------------------------------------


def test_evaluating_before_the_end_is_refused(pair):
    log(pair.mentee, pair.mentorship)

    with pytest.raises(Refusal, match="once it has ended"):
        mentorships.submit_evaluation(pair.mentee, pair.mentorship, **EVALUATION)
    assert count_rows(Evaluation) == {"evaluation": 0}


@pytest.mark.parametrize("ending", ["concluded", "ended_early"])
def test_both_sides_evaluate_after_the_end(pair, ending):
    if ending == "concluded":
        conclude(pair.mentorship)
    else:
        mentorships.end_mentorship_early(
            pair.mentee, pair.mentorship, reason="x", talked_it_over=True
        )

    mine = mentorships.submit_evaluation(pair.mentee, pair.mentorship, **EVALUATION)
    theirs = mentorships.submit_evaluation(
        pair.mentor.membership, pair.mentorship, **{**EVALUATION, "would_recommend": False}
    )

    assert (mine.side, theirs.side) == (Side.MENTEE, Side.MENTOR)
    saved = answers_by_field(mine.id)
    assert saved == EVALUATION
    assert answers_by_field(theirs.id)["would_recommend"] is False
    assert theirs.author_id == pair.mentor.membership_id


def test_evaluating_twice_is_refused(pair):
    conclude(pair.mentorship)
    mentorships.submit_evaluation(pair.mentee, pair.mentorship, **EVALUATION)

    with pytest.raises(Refusal, match="already evaluated"):
        mentorships.submit_evaluation(pair.mentee, pair.mentorship, **EVALUATION)
    assert count_rows(Evaluation) == {"evaluation": 1}


@pytest.mark.parametrize("who", [*OUTSIDERS, "other_mentor"])
def test_outsiders_do_not_evaluate(pair, who):
    conclude(pair.mentorship)

    with pytest.raises(NotAllowed):
        mentorships.submit_evaluation(_outsider(pair, who), pair.mentorship, **EVALUATION)


@pytest.mark.parametrize("field", ["process_rating", "goal_attainment", "usefulness"])
@pytest.mark.parametrize("rating", [0, 6])
def test_ratings_go_from_one_to_five(pair, field, rating):
    conclude(pair.mentorship)

    with pytest.raises(Refusal) as refused:
        mentorships.submit_evaluation(pair.mentee, pair.mentorship, **{**EVALUATION, field: rating})
    assert refused.value.field == field


def test_an_agreement_proposed_twice_is_one_version(pair):
    first = agreements.propose_agreement(pair.mentee, pair.mentorship, **AGREEMENT)

    with pytest.raises(AlreadyDone):
        agreements.propose_agreement(pair.mentee, pair.mentorship, **AGREEMENT)
    changed = agreements.propose_agreement(
        pair.mentee, pair.mentorship, **{**AGREEMENT, "frequency": "Twice a month"}
    )

    assert (first.version, changed.version) == (1, 2)
