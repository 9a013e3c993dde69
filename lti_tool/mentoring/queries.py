"""Read-side queries of the mentoring pages, always scoped to the course and to the person.

A row of another course, or of a mentorship the person is not in, is simply not found: the
views answer 404 and nothing of it leaks (§3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, or_, select
from sqlalchemy.orm import joinedload

from ..evaluation.models import Evaluation
from ..evaluation.queries import AnswerItem, answers_of
from ..extensions import db
from ..mentors.models import MentorProfile, MentorStatus
from ..people.models import CourseRole, Membership, Side
from ..programme.operations import programme_for
from .models import (
    Agreement,
    ContactLog,
    ContactRequest,
    MenteePreparation,
    MentorPreparation,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from .rules import side_of


@dataclass(frozen=True)
class MentorshipItem:
    """One line of a person's list of mentorships: the pair seen from their side."""

    mentorship: Mentorship
    side: Side
    other: Membership


@dataclass
class MentorshipRecord:
    """Everything of a mentorship its two members see (and nobody else, §3)."""

    mentorship: Mentorship
    side: Side
    other: Membership
    agreements: list[Agreement]
    contacts: list[ContactLog]
    mentor_preparations: dict[int, MentorPreparation]
    mentee_preparations: dict[int, MenteePreparation]
    evaluations: dict[Side, Evaluation]

    @property
    def agreement(self) -> Agreement | None:
        """The latest version of the agreement, if any was proposed."""
        return self.agreements[0] if self.agreements else None

    @property
    def is_open(self) -> bool:
        """Whether the pair may still agree, log contacts and prepare (not after an early end,
        nor after they closed their continuation)."""
        return (
            self.mentorship.status != MentorshipStatus.ENDED_EARLY
            and self.mentorship.continuation_closed_at is None
        )

    @property
    def me(self) -> Membership:
        """The viewer."""
        return (
            self.mentorship.mentee
            if self.side == Side.MENTEE
            else self.mentorship.mentor.membership
        )

    @property
    def is_active(self) -> bool:
        """Whether the mentorship is in progress (not yet concluded or ended)."""
        return self.mentorship.status == MentorshipStatus.ACTIVE

    @property
    def needs_my_confirmation(self) -> bool:
        """Whether the latest agreement waits for the viewer's confirmation."""
        agreement = self.agreement
        if agreement is None or not self.is_open:
            return False
        mine = (
            agreement.mentee_confirmed_at
            if self.side == Side.MENTEE
            else agreement.mentor_confirmed_at
        )
        return mine is None

    @property
    def my_evaluation(self) -> Evaluation | None:
        """The viewer's own evaluation, once submitted."""
        return self.evaluations.get(self.side)

    @property
    def other_has_evaluated(self) -> bool:
        """Whether the other side submitted its evaluation (its content stays theirs)."""
        other = Side.MENTOR if self.side == Side.MENTEE else Side.MENTEE
        return other in self.evaluations

    @property
    def can_evaluate(self) -> bool:
        """Whether the viewer may evaluate now: after the end, once."""
        return not self.is_active and self.my_evaluation is None

    @property
    def preparable_numbers(self) -> list[int]:
        """The contacts that have (or may get) preparation forms: past ones and the next one."""
        last = self.mentorship.contacts_done
        if self.mentorship.status != MentorshipStatus.ENDED_EARLY:
            last += 1
        return list(range(1, last + 1))


@dataclass(frozen=True)
class ContactProgress:
    """Whether one contact took place and whether each side filed its form for it."""

    number: int
    held_on: date | None
    mentor_form_filed: bool
    mentee_form_filed: bool


@dataclass
class StaffProgress:
    """What course staff may know of a mentorship: status, counts, dates, flags (§3)."""

    mentorship_id: int
    mentee: Membership
    mentor: Membership
    status: MentorshipStatus
    contacts_done: int
    contacts_planned: int
    started_at: datetime
    concluded_at: datetime | None
    ended_at: datetime | None
    has_confirmed_agreement: bool
    contacts: list[ContactProgress]
    evaluated: dict[Side, bool]
    #: Only when the programme lets staff see evaluation scores; never the texts.
    scores: dict[Side, list[AnswerItem]] | None = field(default=None)


# --- mentors and requests --------------------------------------------------------------------


def requestable_profile(course_id: int, profile_id: int) -> MentorProfile | None:
    """Return an approved mentor profile of the course (others are not found)."""
    return db.session.scalar(
        select(MentorProfile)
        .options(joinedload(MentorProfile.membership).joinedload(Membership.user))
        .filter_by(id=profile_id, course_id=course_id, status=MentorStatus.APPROVED)
    )


def own_profile(member: Membership) -> MentorProfile | None:
    """Return the member's own mentor profile in the course, if they have one."""
    return db.session.scalar(
        select(MentorProfile).filter_by(membership_id=member.id, course_id=member.course_id)
    )


def inbox(member: Membership) -> list[ContactRequest]:
    """Return the requests sent to the member as a mentor: waiting ones first, soonest due."""
    profile = own_profile(member)
    if profile is None:
        return []
    is_waiting = case((ContactRequest.status == RequestStatus.PENDING, 0), else_=1)
    return list(
        db.session.scalars(
            select(ContactRequest)
            .options(joinedload(ContactRequest.mentee).joinedload(Membership.user))
            .filter_by(course_id=member.course_id, mentor_id=profile.id)
            .order_by(
                is_waiting,
                case(
                    (ContactRequest.status == RequestStatus.PENDING, ContactRequest.answer_due_at)
                ),
                ContactRequest.created_at.desc(),
                ContactRequest.id.desc(),
            )
        )
    )


def sent_requests(member: Membership) -> list[ContactRequest]:
    """Return the requests the member sent, newest first."""
    return list(
        db.session.scalars(
            select(ContactRequest)
            .options(
                joinedload(ContactRequest.mentor)
                .joinedload(MentorProfile.membership)
                .joinedload(Membership.user)
            )
            .filter_by(course_id=member.course_id, mentee_id=member.id)
            .order_by(ContactRequest.created_at.desc(), ContactRequest.id.desc())
        )
    )


def request_for_member(member: Membership, request_id: int) -> ContactRequest | None:
    """Return a request of the course that the member sent or received, else None."""
    return db.session.scalar(
        select(ContactRequest)
        .join(MentorProfile, ContactRequest.mentor_id == MentorProfile.id)
        .where(
            ContactRequest.id == request_id,
            ContactRequest.course_id == member.course_id,
            or_(ContactRequest.mentee_id == member.id, MentorProfile.membership_id == member.id),
        )
    )


def mentorship_of_request(request: ContactRequest) -> Mentorship | None:
    """Return the mentorship an accepted request started."""
    return db.session.scalar(
        select(Mentorship).filter_by(request_id=request.id, course_id=request.course_id)
    )


# --- mentorships -----------------------------------------------------------------------------


def mentorships_of(member: Membership) -> list[MentorshipItem]:
    """Return the member's mentorships past and present, as mentee and as mentor."""
    is_active = case((Mentorship.status == MentorshipStatus.ACTIVE, 0), else_=1)
    rows = db.session.scalars(
        select(Mentorship)
        .join(MentorProfile, Mentorship.mentor_id == MentorProfile.id)
        .options(
            joinedload(Mentorship.mentee).joinedload(Membership.user),
            joinedload(Mentorship.mentor)
            .joinedload(MentorProfile.membership)
            .joinedload(Membership.user),
        )
        .where(
            Mentorship.course_id == member.course_id,
            or_(Mentorship.mentee_id == member.id, MentorProfile.membership_id == member.id),
        )
        .order_by(is_active, Mentorship.started_at.desc(), Mentorship.id.desc())
    )
    items = []
    for mentorship in rows:
        side = side_of(member, mentorship)
        if side is not None:
            other = mentorship.mentor.membership if side == Side.MENTEE else mentorship.mentee
            items.append(MentorshipItem(mentorship, side, other))
    return items


def mentorship_for_member(member: Membership, mentorship_id: int) -> Mentorship | None:
    """Return a mentorship of the course that the member is in, else None."""
    mentorship = mentorship_in_course(member.course_id, mentorship_id)
    if mentorship is None:
        return None
    side = side_of(member, mentorship)
    # A mentor out of the programme no longer sees its mentorships; their mentees still do.
    if side is None or (side == Side.MENTOR and mentorship.mentor.status == MentorStatus.EXCLUDED):
        return None
    return mentorship


def mentorship_in_course(course_id: int, mentorship_id: int) -> Mentorship | None:
    """Return a mentorship of the course (for staff: then only its progress is shown)."""
    return db.session.scalar(select(Mentorship).filter_by(id=mentorship_id, course_id=course_id))


def contact_of(mentorship: Mentorship, number: int) -> ContactLog | None:
    """Return the mentorship's contact of that number, else None."""
    return db.session.scalar(
        select(ContactLog).filter_by(mentorship_id=mentorship.id, number=number)
    )


def agreement_of(mentorship: Mentorship, agreement_id: int) -> Agreement | None:
    """Return a version of the mentorship's agreement, else None."""
    return db.session.scalar(
        select(Agreement).filter_by(id=agreement_id, mentorship_id=mentorship.id)
    )


def mentorship_record(member: Membership, mentorship: Mentorship) -> MentorshipRecord | None:
    """Return what a member of the mentorship sees of it; None for anyone else."""
    side = side_of(member, mentorship)
    if side is None:
        return None
    return MentorshipRecord(
        mentorship=mentorship,
        side=side,
        other=mentorship.mentor.membership if side == Side.MENTEE else mentorship.mentee,
        agreements=list(
            db.session.scalars(
                select(Agreement)
                .filter_by(mentorship_id=mentorship.id)
                .order_by(Agreement.version.desc())
            )
        ),
        contacts=list(
            db.session.scalars(
                select(ContactLog)
                .filter_by(mentorship_id=mentorship.id)
                .order_by(ContactLog.number)
            )
        ),
        mentor_preparations={
            row.contact_number: row
            for row in db.session.scalars(
                select(MentorPreparation).filter_by(mentorship_id=mentorship.id)
            )
        },
        mentee_preparations={
            row.contact_number: row
            for row in db.session.scalars(
                select(MenteePreparation).filter_by(mentorship_id=mentorship.id)
            )
        },
        evaluations={
            row.side: row
            for row in db.session.scalars(select(Evaluation).filter_by(mentorship_id=mentorship.id))
        },
    )


def staff_progress(staff: Membership, mentorship: Mentorship) -> StaffProgress | None:
    """Return the progress staff of the mentorship's course may see; None for anyone else."""
    if mentorship.course_id != staff.course_id or staff.role != CourseRole.STAFF:
        return None
    contacts = {
        row.number: row.held_on
        for row in db.session.scalars(select(ContactLog).filter_by(mentorship_id=mentorship.id))
    }
    mentor_filed = set(
        db.session.scalars(
            select(MentorPreparation.contact_number).filter_by(mentorship_id=mentorship.id)
        )
    )
    mentee_filed = set(
        db.session.scalars(
            select(MenteePreparation.contact_number).filter_by(mentorship_id=mentorship.id)
        )
    )
    evaluations = {
        row.side: row
        for row in db.session.scalars(select(Evaluation).filter_by(mentorship_id=mentorship.id))
    }
    last = max(mentorship.contacts_planned, mentorship.contacts_done, *mentor_filed, *mentee_filed)
    has_confirmed_agreement = any(
        agreement.is_confirmed
        for agreement in db.session.scalars(
            select(Agreement).filter_by(mentorship_id=mentorship.id)
        )
    )
    scores = None
    if programme_for(mentorship.mentee.course).staff_see_evaluation_scores:
        scores = {side: answers_of(row.id, scores_only=True) for side, row in evaluations.items()}
    return StaffProgress(
        mentorship_id=mentorship.id,
        mentee=mentorship.mentee,
        mentor=mentorship.mentor.membership,
        status=mentorship.status,
        contacts_done=mentorship.contacts_done,
        contacts_planned=mentorship.contacts_planned,
        started_at=mentorship.started_at,
        concluded_at=mentorship.concluded_at,
        ended_at=mentorship.ended_at,
        has_confirmed_agreement=has_confirmed_agreement,
        contacts=[
            ContactProgress(
                number=number,
                held_on=contacts.get(number),
                mentor_form_filed=number in mentor_filed,
                mentee_form_filed=number in mentee_filed,
            )
            for number in range(1, last + 1)
        ],
        evaluated={side: side in evaluations for side in Side},
        scores=scores,
    )


# --- concerns --------------------------------------------------------------------------------


def concern_people(member: Membership) -> list[Membership]:
    """Return the people the member dealt with (mentorships and requests), by name."""
    people: dict[int, Membership] = {}
    for item in mentorships_of(member):
        people[item.other.id] = item.other
    for request in sent_requests(member):
        people[request.mentor.membership.id] = request.mentor.membership
    for request in inbox(member):
        people[request.mentee.id] = request.mentee
    people.pop(member.id, None)
    return sorted(people.values(), key=lambda person: (person.user.display_name or "", person.id))
