"""Contact requests (§4.3) and assignment by staff: one function per verb.

Each function checks who may act (``NotAllowed``) and the rules of the move (``Refusal``
with a translated message, and the form field it belongs to), stamps the time, records the
transition in the audit trail and tells the other side. Functions flush, never commit.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import record_event
from ..extensions import db
from ..mentors.access import request_barrier
from ..mentors.models import MentorProfile, MentorStatus
from ..models_base import utcnow
from ..notifications.operations import notify
from ..people.models import CourseRole, Membership
from ..programme.operations import programme_for
from ..refusals import NotAllowed, Refusal
from ..text import clean_text
from .choices import CONTACT_MODES
from .mentorships import recount_places, start_mentorship, take_place
from .models import ContactRequest, Mentorship, RequestStatus
from .rules import (
    AlreadyDone,
    active_pair_exists,
    lock,
    mentorship_path,
    name_for,
    path_to,
    require_participant,
    require_pending,
    require_request_mentor,
)

# --- requests (§4.3) -------------------------------------------------------------------------


def request_refusal(mentee: Membership, profile: MentorProfile) -> str | None:
    """Return why the member cannot send this mentor a request now, or None if they can."""
    require_participant(mentee)
    if profile.course_id != mentee.course_id:
        raise NotAllowed("mentor of another course")
    barrier = request_barrier(mentee, profile, programme_for(mentee.course).matching_mode)
    if barrier is not None:
        return barrier
    if db.session.scalar(
        select(ContactRequest.id).filter_by(
            mentee_id=mentee.id, mentor_id=profile.id, status=RequestStatus.PENDING
        )
    ):
        return _("You already have a request waiting for this mentor's answer.")
    if active_pair_exists(mentee, profile):
        return _("You already have a mentorship in progress with this mentor.")
    return None


def send_request(
    mentee: Membership,
    profile: MentorProfile,
    *,
    question: str,
    ideas: str,
    expectations: str,
    preferred_mode: str,
) -> ContactRequest:
    """Send a mentor a contact request, which they must answer by the programme's deadline.

    The mentor's row is locked first, so a request sent twice at once is sent once: the second
    sees the first and is answered with it (``AlreadyDone``).
    """
    require_participant(mentee)
    lock(profile)
    waiting = db.session.scalar(
        select(ContactRequest).filter_by(
            mentee_id=mentee.id, mentor_id=profile.id, status=RequestStatus.PENDING
        )
    )
    if waiting is not None:
        raise AlreadyDone(_("Your request is already waiting for this mentor's answer."), waiting)
    refusal = request_refusal(mentee, profile)
    if refusal is not None:
        raise Refusal(refusal)
    question = clean_text(question, "question", required=True)
    ideas = clean_text(ideas, "ideas", required=True)
    expectations = clean_text(expectations, "expectations", required=True)
    offered = profile.contact_modes or list(CONTACT_MODES)
    if preferred_mode not in CONTACT_MODES or preferred_mode not in offered:
        raise Refusal(_("Choose one of the contact modes this mentor offers."), "mode")
    now = utcnow()
    programme = programme_for(mentee.course)
    request = ContactRequest(
        course_id=mentee.course_id,
        mentee=mentee,
        mentor=profile,
        question=question,
        ideas=ideas,
        expectations=expectations,
        preferred_mode=preferred_mode,
        status=RequestStatus.PENDING,
        answer_due_at=now + timedelta(days=programme.answer_deadline_days),
    )
    db.session.add(request)
    db.session.flush()
    record_event(mentee.course_id, mentee, "request", request.id, "sent", mentor_id=profile.id)
    mentor = profile.membership
    notify(
        mentor,
        "request_received",
        link=path_to("mentoring.request_detail", course_id=mentee.course_id, request_id=request.id),
        mentee=name_for(mentee, mentor),
        course=mentee.course.display_title,
        due=request.answer_due_at,
    )
    return request


def accept_request(mentor: Membership, request: ContactRequest, *, proposal: str) -> Mentorship:
    """Accept a pending request with a proposal of how to proceed; the mentorship starts.

    The request is locked and its state re-read, then the mentor's row: an accept sent twice,
    or crossing a withdrawal or an assignment by staff, makes exactly one outcome.
    """
    profile = require_request_mentor(mentor, request)
    lock(request)
    if request.status == RequestStatus.ACCEPTED:
        started = db.session.scalar(select(Mentorship).filter_by(request_id=request.id))
        if started is not None:
            raise AlreadyDone(_("You had already accepted this request."), started)
    require_pending(request)
    now = utcnow()
    if now > request.answer_due_at:
        raise Refusal(
            _("The answer deadline of this request has passed: it can no longer be accepted.")
        )
    lock(profile)
    if profile.status != MentorStatus.APPROVED:
        raise Refusal(
            _("Your mentor profile is not approved, so you cannot take mentees: please decline.")
        )
    if active_pair_exists(request.mentee, profile):
        raise Refusal(_("You already have a mentorship in progress with this mentee."))
    proposal = clean_text(proposal, "proposal", required=True)
    take_place(profile)
    mentorship = start_mentorship(request.mentee, profile, request=request, assigned_by=None)
    recount_places(profile)
    request.status = RequestStatus.ACCEPTED
    request.proposal = proposal
    request.answered_at = request.closed_at = now
    db.session.flush()
    record_event(
        request.course_id, mentor, "request", request.id, "accepted", mentorship_id=mentorship.id
    )
    record_event(
        request.course_id, mentor, "mentorship", mentorship.id, "started", request_id=request.id
    )
    notify(
        request.mentee,
        "request_accepted",
        link=mentorship_path(mentorship),
        mentor=name_for(mentor, request.mentee),
        proposal=proposal,
    )
    return mentorship


def decline_request(mentor: Membership, request: ContactRequest, *, reason: str) -> ContactRequest:
    """Decline a pending request with a short reason (every request gets an answer)."""
    require_request_mentor(mentor, request)
    lock(request)
    if request.status == RequestStatus.DECLINED:
        raise AlreadyDone(_("You had already declined this request."), request)
    require_pending(request)
    reason = clean_text(reason, "reason", required=True)
    now = utcnow()
    request.status = RequestStatus.DECLINED
    request.decline_reason = reason
    request.answered_at = request.closed_at = now
    db.session.flush()
    record_event(request.course_id, mentor, "request", request.id, "declined")
    notify(
        request.mentee,
        "request_declined",
        link=path_to(
            "mentoring.request_detail", course_id=request.course_id, request_id=request.id
        ),
        mentor=name_for(mentor, request.mentee),
        reason=reason,
    )
    return request


def withdraw_request(mentee: Membership, request: ContactRequest) -> ContactRequest:
    """Withdraw one's own request while it waits for an answer."""
    if request.course_id != mentee.course_id or request.mentee_id != mentee.id:
        raise NotAllowed("only the mentee who sent a request may withdraw it")
    lock(request)
    if request.status == RequestStatus.WITHDRAWN:
        raise AlreadyDone(_("You had already withdrawn this request."), request)
    if request.status != RequestStatus.PENDING:
        raise Refusal(_("This request is no longer waiting for an answer."))
    request.status = RequestStatus.WITHDRAWN
    request.closed_at = utcnow()
    db.session.flush()
    record_event(request.course_id, mentee, "request", request.id, "withdrawn")
    notify(
        request.mentor.membership,
        "request_withdrawn",
        link=path_to("mentoring.inbox", course_id=request.course_id),
        mentee=name_for(mentee, request.mentor.membership),
    )
    return request


def assign_mentorship(staff: Membership, mentee: Membership, profile: MentorProfile) -> Mentorship:
    """Pair a mentee with a mentor directly, as course staff (matching by staff, §2)."""
    if staff.role != CourseRole.STAFF:
        raise NotAllowed("only staff assign mentors")
    if not (staff.course_id == mentee.course_id == profile.course_id):
        raise NotAllowed("mentee and mentor must be of the staff member's course")
    if mentee.role == CourseRole.STAFF or not mentee.is_active:
        raise Refusal(_("Only learners and mentors of the course can be mentees."), "mentee")
    if mentee.barred_at is not None:
        raise Refusal(_("This person is barred from the programme."), "mentee")
    if profile.membership_id == mentee.id:
        raise Refusal(_("A mentor cannot be their own mentee."), "mentee")
    lock(profile)
    if profile.status != MentorStatus.APPROVED:
        raise Refusal(_("This mentor is not approved."), "mentor")
    if profile.is_busy:
        raise Refusal(_("This mentor is marked busy."), "mentor")
    if active_pair_exists(mentee, profile):
        raise Refusal(_("These two already have a mentorship in progress."), "mentee")
    take_place(profile)
    mentorship = start_mentorship(mentee, profile, request=None, assigned_by=staff)
    recount_places(profile)
    record_event(staff.course_id, staff, "mentorship", mentorship.id, "assigned")
    for recipient in (mentee, profile.membership):
        notify(
            recipient,
            "mentorship_assigned",
            link=mentorship_path(mentorship),
            mentee=name_for(mentee, recipient),
            mentor=name_for(profile.membership, recipient),
        )
    return mentorship
