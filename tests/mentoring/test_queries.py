"""Read-side queries: scoped to the course and the person; staff see progress, never content."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lti_tool.extensions import db
from lti_tool.mentoring import agreements, mentorships, queries
from lti_tool.mentoring import requests as request_ops
from lti_tool.people.models import Side
from lti_tool.programme.operations import programme_for
from tests.support.factories import make_member

from .factories import AGREEMENT, EVALUATION, MENTEE_FORM, MENTOR_FORM, conclude, log, send, start


def test_the_inbox_shows_waiting_requests_first_soonest_due(cohort):
    answered = send(make_member(cohort.course), cohort.mentor)
    request_ops.decline_request(cohort.mentor.membership, answered, reason="No")
    later = send(cohort.mentee, cohort.mentor)
    sooner = send(cohort.other_learner, cohort.mentor)
    sooner.answer_due_at = later.answer_due_at - timedelta(hours=1)
    db.session.flush()

    inbox = queries.inbox(cohort.mentor.membership)

    assert [request.id for request in inbox] == [sooner.id, later.id, answered.id]
    assert queries.inbox(cohort.mentee) == []  # no profile, no inbox


def test_sent_requests_are_the_members_own(cohort):
    mine = send(cohort.mentee, cohort.mentor)
    send(cohort.other_learner, cohort.mentor)

    assert queries.sent_requests(cohort.mentee) == [mine]


@pytest.mark.parametrize(
    ("who", "found"),
    [
        ("mentee", True),
        ("mentor", True),
        ("other_learner", False),
        ("other_mentor", False),
        ("staff", False),
        ("foreign_learner", False),
    ],
)
def test_a_request_is_found_for_its_two_people_only(cohort, who, found):
    request = send(cohort.mentee, cohort.mentor)
    member = getattr(cohort, who)
    member = member.membership if who in {"mentor", "other_mentor"} else member

    assert (queries.request_for_member(member, request.id) is not None) is found


def test_a_persons_mentorships_past_and_present_in_both_roles(cohort):
    as_mentee = start(cohort.mentor.membership, cohort.other_mentor)  # the mentor is mentee here
    as_mentor = start(cohort.mentee, cohort.mentor)
    conclude(as_mentee)

    items = queries.mentorships_of(cohort.mentor.membership)

    assert [(item.mentorship.id, item.side) for item in items] == [
        (as_mentor.id, Side.MENTOR),
        (as_mentee.id, Side.MENTEE),
    ]
    assert items[0].other.id == cohort.mentee.id
    assert queries.mentorships_of(cohort.other_learner) == []


@pytest.mark.parametrize(
    ("who", "found"),
    [
        ("mentee", True),
        ("mentor", True),
        ("other_learner", False),
        ("other_mentor", False),
        ("staff", False),
        ("foreign_staff", False),
    ],
)
def test_a_mentorship_is_found_for_its_two_members_only(cohort, who, found):
    mentorship = start(cohort.mentee, cohort.mentor)
    member = getattr(cohort, who)
    member = member.membership if who in {"mentor", "other_mentor"} else member

    assert (queries.mentorship_for_member(member, mentorship.id) is not None) is found
    assert (queries.mentorship_record(member, mentorship) is not None) is found


@pytest.mark.parametrize("scores_visible", [True, False])
def test_staff_see_status_counts_and_flags_never_texts(cohort, scores_visible):
    programme_for(cohort.course).staff_see_evaluation_scores = scores_visible
    mentorship = start(cohort.mentee, cohort.mentor)
    agreement = agreements.propose_agreement(cohort.mentee, mentorship, **AGREEMENT)
    agreements.confirm_agreement(cohort.mentor.membership, agreement)
    agreements.save_mentor_preparation(cohort.mentor.membership, mentorship, 1, **MENTOR_FORM)
    log(cohort.mentee, mentorship)
    agreements.save_mentee_preparation(cohort.mentee, mentorship, 2, **MENTEE_FORM)
    conclude(mentorship)
    mentorships.submit_evaluation(cohort.mentee, mentorship, **EVALUATION)

    progress = queries.staff_progress(cohort.staff, mentorship)

    assert progress.status == "concluded"
    assert (progress.contacts_done, progress.contacts_planned) == (4, 4)
    assert progress.has_confirmed_agreement
    assert [(c.number, c.mentor_form_filed, c.mentee_form_filed) for c in progress.contacts] == [
        (1, True, False),
        (2, False, True),
        (3, False, False),
        (4, False, False),
    ]
    assert progress.evaluated == {Side.MENTEE: True, Side.MENTOR: False}
    if scores_visible:
        assert [(a.question.key, a.shown) for a in progress.scores[Side.MENTEE]] == [
            ("process_rating", "5 / 5"),
            ("goal_attainment", "4 / 5"),
            ("usefulness", "5 / 5"),
            ("would_recommend", "Yes"),
        ]
    else:
        assert progress.scores is None
    texts = [
        *AGREEMENT.values(),
        *MENTOR_FORM.values(),
        *MENTEE_FORM.values(),
        EVALUATION["what_helped"],
        EVALUATION["what_to_change"],
    ]
    shown = repr(progress)
    for text in texts:
        if isinstance(text, str):
            assert text not in shown


@pytest.mark.parametrize("who", ["mentee", "other_learner", "foreign_staff"])
def test_only_the_courses_staff_get_the_progress(cohort, who):
    mentorship = start(cohort.mentee, cohort.mentor)

    assert queries.staff_progress(getattr(cohort, who), mentorship) is None
