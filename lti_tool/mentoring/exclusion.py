"""Taking people out of the programme (standard 1): a mentor removed (excluded, or their
designation withdrawn), a participant barred and the bar lifted, a mentorship ended by staff.

No reason is owed to the person. Everything they wrote stays; what waited for them is closed
with the usual notices, and each mentorship in progress is handed over to another mentor or
ended, as staff choose. Functions flush, never commit; locks go request → mentorship → profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record_event
from ..extensions import db
from ..i18n import in_language_of
from ..mentors.guidance import STATUS_LABELS
from ..mentors.models import MentorProfile, MentorStatus
from ..models_base import utcnow
from ..notifications.operations import notify
from ..people.models import CourseRole, Membership
from ..refusals import NotAllowed, Refusal
from .mentorships import ask_for_evaluations, recount_places, start_mentorship, take_place
from .models import ContactRequest, Mentorship, MentorshipStatus, RequestStatus
from .rules import (
    AlreadyDone,
    active_pair_exists,
    lock,
    mentorship_path,
    name_for,
    path_to,
    require_staff,
)

#: The reason a mentorship ended by staff shows (in the mentee's language).
ENDED_BY_PROGRAMME = _l("Ended by the programme.")
HANDED_OVER = _l("Handed over to another mentor by the programme.")
REQUEST_CLOSED = _l("The mentor no longer takes part in the programme.")


@dataclass
class Removal:
    """What removing a mentor (or barring a person) closed, handed over and ended."""

    requests_closed: list[ContactRequest] = field(default_factory=list)
    handed_over: list[Mentorship] = field(default_factory=list)
    ended: list[Mentorship] = field(default_factory=list)


def pending_requests_to(profile: MentorProfile) -> list[ContactRequest]:
    """The requests waiting for the mentor's answer, oldest first."""
    return list(
        db.session.scalars(
            select(ContactRequest)
            .filter_by(mentor_id=profile.id, status=RequestStatus.PENDING)
            .order_by(ContactRequest.id)
        )
    )


def active_mentorships_of(profile: MentorProfile) -> list[Mentorship]:
    """The mentor's mentorships in progress, oldest first."""
    return list(
        db.session.scalars(
            select(Mentorship)
            .filter_by(mentor_id=profile.id, status=MentorshipStatus.ACTIVE)
            .order_by(Mentorship.id)
        )
    )


def pending_requests_from(member: Membership) -> list[ContactRequest]:
    """The requests the person sent that wait for an answer, oldest first."""
    return list(
        db.session.scalars(
            select(ContactRequest)
            .filter_by(mentee_id=member.id, status=RequestStatus.PENDING)
            .order_by(ContactRequest.id)
        )
    )


def active_mentorships_as_mentee(member: Membership) -> list[Mentorship]:
    """The person's mentorships in progress as mentee, oldest first."""
    return list(
        db.session.scalars(
            select(Mentorship)
            .filter_by(mentee_id=member.id, status=MentorshipStatus.ACTIVE)
            .order_by(Mentorship.id)
        )
    )


def remove_mentor_from_programme(
    membership: Membership,
    *,
    by: Membership,
    handover: Mapping[int, MentorProfile | None] | None = None,
    status: MentorStatus = MentorStatus.EXCLUDED,
    action: str = "excluded",
) -> Removal:
    """Take a mentor out of the course's programme (exclusion, or a designation withdrawn).

    Requests waiting for them are closed, each mentee told they may ask someone else at once;
    each mentorship in progress is handed over to the mentor ``handover`` maps its id to, or
    ended "by the programme" when it maps to None or is absent. The profile gets ``status``
    (excluded by default): the mentor no longer appears in search nor acts in any mentorship.
    """
    require_staff(by, membership.course_id)
    profile = db.session.scalar(select(MentorProfile).filter_by(membership_id=membership.id))
    if profile is None:
        raise Refusal(_("This person has no mentor profile in this course."))
    if profile.status == status:
        raise AlreadyDone(_("This mentor is already out of the programme."), profile)
    handover = handover or {}
    removal = Removal()
    for request in pending_requests_to(profile):
        if _close_request(request, by):
            removal.requests_closed.append(request)
    for mentorship in active_mentorships_of(profile):
        target = handover.get(mentorship.id)
        if target is not None:
            removal.handed_over.append(hand_over(by, mentorship, target))
        else:
            removal.ended.append(end_mentorship_by_staff(by, mentorship))
    lock(profile)
    previous = profile.status
    profile.status = status
    profile.status_changed_at = utcnow()
    recount_places(profile)
    record_event(
        profile.course_id, by, "mentor_profile", profile.id, action, previous=previous.value
    )
    notify(
        membership,
        "mentor_status_changed",
        link=f"/course/{profile.course_id}/mentors/me",
        status=STATUS_LABELS[status],
    )
    # A request sent while this ran waited for the mentor's row, which is now out of search.
    for request in pending_requests_to(profile):
        if _close_request(request, by):
            removal.requests_closed.append(request)
    db.session.flush()
    return removal


def exclude_mentor(profile: MentorProfile, actor: Membership) -> MentorProfile:
    """Exclude a mentor with no mentorship to hand over (the pool page's one-step action).

    Mentorships in progress are ended by the programme; to hand them over, staff use the
    confirmation page, which calls :func:`remove_mentor_from_programme` with their choices.
    """
    if actor.role != CourseRole.STAFF or actor.course_id != profile.course_id:
        raise NotAllowed("only the course's staff decide on its mentors")
    remove_mentor_from_programme(profile.membership, by=actor)
    return profile


def hand_over(staff: Membership, mentorship: Mentorship, target: MentorProfile) -> Mentorship:
    """Continue a mentorship with another mentor: the old one ends, a new one starts.

    The mentee keeps seeing the old mentorship (its history); the new mentor sees only theirs.
    """
    require_staff(staff, mentorship.course_id)
    if target.course_id != mentorship.course_id:
        raise NotAllowed("a mentor of another course")
    mentee = mentorship.mentee
    if target.id == mentorship.mentor_id or target.membership_id == mentee.id:
        raise Refusal(_("Choose another mentor for this mentee."), "handover")
    lock(mentorship)
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise Refusal(_("Only a mentorship in progress can be handed over."), "handover")
    take_place(target)
    if target.status != MentorStatus.APPROVED or target.membership.barred_at is not None:
        raise Refusal(_("This mentor is not approved."), "handover")
    if active_pair_exists(mentee, target):
        raise Refusal(_("These two already have a mentorship in progress."), "handover")
    _end(staff, mentorship, in_language_of(mentee, HANDED_OVER))
    successor = start_mentorship(mentee, target, request=None, assigned_by=staff)
    successor.handed_over_from_id = mentorship.id
    recount_places(target)
    db.session.flush()
    record_event(
        mentorship.course_id,
        staff,
        "mentorship",
        successor.id,
        "handed_over",
        previous_id=mentorship.id,
    )
    notify(
        mentee,
        "mentorship_handed_over",
        link=mentorship_path(successor),
        mentor=name_for(target.membership, mentee),
    )
    notify(
        target.membership,
        "mentorship_taken_over",
        link=mentorship_path(successor),
        mentee=name_for(mentee, target.membership),
    )
    return successor


def end_mentorship_by_staff(staff: Membership, mentorship: Mentorship) -> Mentorship:
    """End a mentorship in progress as course staff, with the reason "ended by the programme"."""
    require_staff(staff, mentorship.course_id)
    lock(mentorship)
    if mentorship.status == MentorshipStatus.ENDED_EARLY:
        raise AlreadyDone(_("This mentorship has already ended."), mentorship)
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise Refusal(_("Only a mentorship in progress can be ended early."))
    _end(staff, mentorship, in_language_of(mentorship.mentee, ENDED_BY_PROGRAMME))
    record_event(mentorship.course_id, staff, "mentorship", mentorship.id, "ended_by_programme")
    mentee, mentor = mentorship.mentee, mentorship.mentor.membership
    for recipient, other in ((mentee, mentor), (mentor, mentee)):
        notify(
            recipient,
            "mentorship_ended_by_programme",
            link=mentorship_path(mentorship),
            other=name_for(other, recipient),
        )
    ask_for_evaluations(mentorship)
    return mentorship


def bar_participant(
    staff: Membership,
    member: Membership,
    *,
    handover: Mapping[int, MentorProfile | None] | None = None,
) -> Removal:
    """Bar a learner or a mentor from the course's programme; no reason is owed (standard 1).

    Their waiting requests are withdrawn (the mentors are told as usual), their mentorships as
    mentee are ended by the programme, and as a mentor they are removed as by exclusion. They
    then see a neutral page; nothing they wrote is lost, and staff can lift the bar.
    """
    require_staff(staff, member.course_id)
    if member.role == CourseRole.STAFF:
        raise Refusal(_("Course staff cannot be barred from the programme."))
    lock(member)
    if member.barred_at is not None:
        raise AlreadyDone(_("This person is already barred from the programme."), member)
    removal = Removal()
    for request in pending_requests_from(member):
        if _withdraw_for(request, staff):
            removal.requests_closed.append(request)
    for mentorship in active_mentorships_as_mentee(member):
        removal.ended.append(end_mentorship_by_staff(staff, mentorship))
    profile = db.session.scalar(select(MentorProfile).filter_by(membership_id=member.id))
    if profile is not None and profile.status != MentorStatus.EXCLUDED:
        as_mentor = remove_mentor_from_programme(member, by=staff, handover=handover)
        removal.requests_closed += as_mentor.requests_closed
        removal.handed_over += as_mentor.handed_over
        removal.ended += as_mentor.ended
    member.barred_at = utcnow()
    db.session.flush()
    record_event(member.course_id, staff, "membership", member.id, "barred")
    return removal


def lift_bar(staff: Membership, member: Membership) -> Membership:
    """Let a barred person take part again (a mentor profile stays excluded until approved)."""
    require_staff(staff, member.course_id)
    lock(member)
    if member.barred_at is None:
        raise AlreadyDone(_("This person is not barred."), member)
    member.barred_at = None
    db.session.flush()
    record_event(member.course_id, staff, "membership", member.id, "bar_lifted")
    return member


def _end(staff: Membership, mentorship: Mentorship, reason: str) -> None:
    mentorship.status = MentorshipStatus.ENDED_EARLY
    mentorship.ended_at = utcnow()
    mentorship.ended_by_id = staff.id
    mentorship.end_reason = reason
    recount_places(mentorship.mentor)
    db.session.flush()


def _close_request(request: ContactRequest, staff: Membership) -> bool:
    """Close a request waiting for a mentor who left the programme; tell the mentee."""
    lock(request)
    if request.status != RequestStatus.PENDING:
        return False
    mentee = request.mentee
    request.status = RequestStatus.DECLINED
    request.decline_reason = in_language_of(mentee, REQUEST_CLOSED)
    request.closed_at = utcnow()
    db.session.flush()
    record_event(request.course_id, staff, "request", request.id, "closed_by_programme")
    notify(
        mentee,
        "request_closed_by_programme",
        link=path_to(
            "mentoring.request_detail", course_id=request.course_id, request_id=request.id
        ),
        mentor=name_for(request.mentor.membership, mentee),
    )
    return True


def _withdraw_for(request: ContactRequest, staff: Membership) -> bool:
    """Withdraw a barred mentee's waiting request; the mentor is told as usual."""
    lock(request)
    if request.status != RequestStatus.PENDING:
        return False
    request.status = RequestStatus.WITHDRAWN
    request.closed_at = utcnow()
    db.session.flush()
    record_event(request.course_id, staff, "request", request.id, "withdrawn_by_programme")
    mentor = request.mentor.membership
    notify(
        mentor,
        "request_withdrawn",
        link=path_to("mentoring.inbox", course_id=request.course_id),
        mentee=name_for(request.mentee, mentor),
    )
    return True
