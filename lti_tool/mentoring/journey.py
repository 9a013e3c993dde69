"""Where a person stands in the mentoring journey (SPEC §4), for their home page.

A learner's journey is a fixed line of steps (standards → mentor → answer → agreement →
contacts → evaluation); a mentor's is a short list of what waits for them. Both are read from
the person's own rows, scoped to their course.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import func, select

from ..evaluation.models import Evaluation
from ..extensions import db
from ..mentors.models import MentorProfile
from ..mentors.queries import note_mentor_profile
from ..people.models import Membership
from .models import Agreement, ContactRequest, Mentorship, MentorshipStatus, RequestStatus


class Step(enum.StrEnum):
    """The steps of a learner's journey, in order."""

    STANDARDS = "standards"
    MENTOR = "mentor"
    ANSWER = "answer"
    AGREEMENT = "agreement"
    CONTACTS = "contacts"
    EVALUATION = "evaluation"


STEPS: tuple[Step, ...] = tuple(Step)


@dataclass(frozen=True)
class LearnerJourney:
    """A learner's position: the current step (None once everything is done) and its facts."""

    current: Step | None
    has_accepted_standards: bool
    pending_requests: int
    last_request_status: RequestStatus | None
    mentorship: Mentorship | None
    has_agreement: bool
    has_evaluated: bool

    def is_done(self, step: Step) -> bool:
        """Tell whether a step lies behind the learner."""
        if self.current is None:
            return True
        return STEPS.index(step) < STEPS.index(self.current)

    @property
    def contacts_done(self) -> int:
        """Contacts held in the current mentorship (0 without one)."""
        return self.mentorship.contacts_done if self.mentorship else 0

    @property
    def contacts_planned(self) -> int | None:
        """Contacts the current mentorship plans, if there is one."""
        return self.mentorship.contacts_planned if self.mentorship else None


@dataclass(frozen=True)
class MentorTasks:
    """What waits for a mentor: requests to answer, contacts to prepare, evaluations to write."""

    profile: MentorProfile | None
    requests_to_answer: int
    active: list[Mentorship]
    to_evaluate: list[Mentorship]


def learner_journey(member: Membership, *, has_accepted_standards: bool) -> LearnerJourney:
    """Return where the learner stands in their latest mentorship, else in their requests."""
    mentorship = db.session.scalars(
        select(Mentorship)
        .where(Mentorship.course_id == member.course_id, Mentorship.mentee_id == member.id)
        .order_by(Mentorship.id.desc())
        .limit(1)
    ).first()
    pending = 0
    last_status = None
    has_agreement = has_evaluated = False
    if mentorship is None:
        # Per status: how many requests, and the newest one's id (the last request's status).
        statuses = db.session.execute(
            select(ContactRequest.status, func.count(), func.max(ContactRequest.id))
            .where(
                ContactRequest.course_id == member.course_id,
                ContactRequest.mentee_id == member.id,
            )
            .group_by(ContactRequest.status)
        ).all()
        pending = sum(count for status, count, _ in statuses if status == RequestStatus.PENDING)
        if statuses:
            last_status = max(statuses, key=lambda row: row[2])[0]
    else:
        has_agreement = _has_confirmed_agreement(mentorship)
        has_evaluated = _has_evaluated(mentorship, member)
    return LearnerJourney(
        current=_current_step(
            has_accepted_standards, pending, mentorship, has_agreement, has_evaluated
        ),
        has_accepted_standards=has_accepted_standards,
        pending_requests=pending,
        last_request_status=last_status,
        mentorship=mentorship,
        has_agreement=has_agreement,
        has_evaluated=has_evaluated,
    )


def _current_step(
    has_accepted_standards: bool,
    pending: int,
    mentorship: Mentorship | None,
    has_agreement: bool,
    has_evaluated: bool,
) -> Step | None:
    if not has_accepted_standards:
        return Step.STANDARDS
    if mentorship is None:
        return Step.ANSWER if pending else Step.MENTOR
    if mentorship.status != MentorshipStatus.ACTIVE:
        return None if has_evaluated else Step.EVALUATION
    # The agreement is recommended, not forced (§4.4): a first contact moves past it.
    if not has_agreement and mentorship.contacts_done == 0:
        return Step.AGREEMENT
    return Step.CONTACTS


def _has_confirmed_agreement(mentorship: Mentorship) -> bool:
    return (
        db.session.scalar(
            select(Agreement.id)
            .where(
                Agreement.mentorship_id == mentorship.id,
                Agreement.mentee_confirmed_at.is_not(None),
                Agreement.mentor_confirmed_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def _has_evaluated(mentorship: Mentorship, member: Membership) -> bool:
    return (
        db.session.scalar(
            select(Evaluation.id)
            .where(Evaluation.mentorship_id == mentorship.id, Evaluation.author_id == member.id)
            .limit(1)
        )
        is not None
    )


def mentor_tasks(member: Membership) -> MentorTasks:
    """Return what waits for the member as a mentor of their course."""
    profile = db.session.scalars(
        select(MentorProfile).where(
            MentorProfile.course_id == member.course_id, MentorProfile.membership_id == member.id
        )
    ).first()
    note_mentor_profile(member, has_profile=profile is not None)  # the menu asks again
    if profile is None:
        return MentorTasks(profile=None, requests_to_answer=0, active=[], to_evaluate=[])
    requests_to_answer = db.session.scalar(
        select(func.count()).where(
            ContactRequest.mentor_id == profile.id,
            ContactRequest.status == RequestStatus.PENDING,
        )
    )
    mentorships = list(
        db.session.scalars(
            select(Mentorship)
            .where(Mentorship.mentor_id == profile.id)
            .order_by(Mentorship.started_at, Mentorship.id)
        )
    )
    evaluated = set(
        db.session.scalars(
            select(Evaluation.mentorship_id).where(
                Evaluation.author_id == member.id,
                Evaluation.mentorship_id.in_([m.id for m in mentorships]),
            )
        )
    )
    return MentorTasks(
        profile=profile,
        requests_to_answer=requests_to_answer or 0,
        active=[m for m in mentorships if m.status == MentorshipStatus.ACTIVE],
        to_evaluate=[
            m
            for m in mentorships
            if m.status != MentorshipStatus.ACTIVE
            and m.anonymised_at is None
            and m.id not in evaluated
        ],
    )
