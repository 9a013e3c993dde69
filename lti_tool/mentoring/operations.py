"""Every transition of the mentoring journey (§4.3–§4.6): one function per verb.

Each function checks who may act (``NotAllowed``) and the rules of the move (``MentoringError``
with a translated message, and the form field it belongs to), stamps the time, records the
transition in the audit trail and tells the other side. Functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit import record_event
from ..evaluation import operations as evaluation_operations
from ..extensions import db
from ..gradebook.operations import queue_completion_scores
from ..i18n import normalise_locale
from ..mentors.models import MentorProfile, MentorStatus
from ..models_base import utcnow
from ..notifications.operations import notify, notify_staff
from ..people.models import CourseRole, Membership
from ..programme.models import MatchingMode
from ..programme.operations import programme_for
from .choices import CONTACT_MODES, MAX_DURATION_MINUTES, MAX_TEXT, OFFER_KINDS, TECHNIQUES
from .models import (
    Agreement,
    Concern,
    ConcernStatus,
    ContactLog,
    ContactRequest,
    Evaluation,
    MenteePreparation,
    MentorPreparation,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
    Side,
)

#: The latest time zone on Earth is UTC+14: a contact held "today" there is not in the future.
_LATEST_UTC_OFFSET = timedelta(hours=14)
#: The longest "frequency" of an agreement (its column is 200 characters).
MAX_FREQUENCY = 200


class MentoringError(ValueError):
    """A rule of the journey refused the move; ``message`` is shown beside ``field``."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(PermissionError):
    """The person may not make this move on that row (the views answer 403)."""


# --- requests (§4.3) -------------------------------------------------------------------------


def request_refusal(mentee: Membership, profile: MentorProfile) -> str | None:
    """Return why the member cannot send this mentor a request now, or None if they can."""
    _require_participant(mentee)
    if profile.course_id != mentee.course_id:
        raise NotAllowed("mentor of another course")
    if profile.membership_id == mentee.id:
        return _("You cannot send a contact request to yourself.")
    if programme_for(mentee.course).matching_mode == MatchingMode.STAFF_ASSIGN:
        return _("In this course the staff pair mentors and mentees; requests are not open.")
    if not _can_receive_requests(profile):
        return _("This mentor is not taking mentees at the moment.")
    if db.session.scalar(
        select(ContactRequest.id).filter_by(
            mentee_id=mentee.id, mentor_id=profile.id, status=RequestStatus.PENDING
        )
    ):
        return _("You already have a request waiting for this mentor's answer.")
    if _active_pair_exists(mentee, profile):
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
    """Send a mentor a contact request, which they must answer by the programme's deadline."""
    refusal = request_refusal(mentee, profile)
    if refusal is not None:
        raise MentoringError(refusal)
    question = _text(question, "question", required=True)
    ideas = _text(ideas, "ideas", required=True)
    expectations = _text(expectations, "expectations", required=True)
    offered = profile.contact_modes or list(CONTACT_MODES)
    if preferred_mode not in CONTACT_MODES or preferred_mode not in offered:
        raise MentoringError(_("Choose one of the contact modes this mentor offers."), "mode")
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
        link=_path("mentoring.request_detail", course_id=mentee.course_id, request_id=request.id),
        mentee=_name(mentee, mentor),
        course=mentee.course.display_title,
        due=_date_for(mentor, request.answer_due_at),
    )
    return request


def accept_request(mentor: Membership, request: ContactRequest, *, proposal: str) -> Mentorship:
    """Accept a pending request with a proposal of how to proceed; the mentorship starts."""
    profile = _require_request_mentor(mentor, request)
    _require_pending(request)
    now = utcnow()
    if now > request.answer_due_at:
        raise MentoringError(
            _("The answer deadline of this request has passed: it can no longer be accepted.")
        )
    if profile.status != MentorStatus.APPROVED:
        raise MentoringError(
            _("Your mentor profile is not approved, so you cannot take mentees: please decline.")
        )
    if _active_pair_exists(request.mentee, profile):
        raise MentoringError(_("You already have a mentorship in progress with this mentee."))
    proposal = _text(proposal, "proposal", required=True)
    _take_place(profile)
    mentorship = _start_mentorship(request.mentee, profile, request=request, assigned_by=None)
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
        link=_mentorship_path(mentorship),
        mentor=_name(mentor, request.mentee),
        proposal=proposal,
    )
    return mentorship


def decline_request(mentor: Membership, request: ContactRequest, *, reason: str) -> ContactRequest:
    """Decline a pending request with a short reason (every request gets an answer)."""
    _require_request_mentor(mentor, request)
    _require_pending(request)
    reason = _text(reason, "reason", required=True)
    now = utcnow()
    request.status = RequestStatus.DECLINED
    request.decline_reason = reason
    request.answered_at = request.closed_at = now
    db.session.flush()
    record_event(request.course_id, mentor, "request", request.id, "declined")
    notify(
        request.mentee,
        "request_declined",
        link=_path("mentoring.request_detail", course_id=request.course_id, request_id=request.id),
        mentor=_name(mentor, request.mentee),
        reason=reason,
    )
    return request


def withdraw_request(mentee: Membership, request: ContactRequest) -> ContactRequest:
    """Withdraw one's own request while it waits for an answer."""
    if request.course_id != mentee.course_id or request.mentee_id != mentee.id:
        raise NotAllowed("only the mentee who sent a request may withdraw it")
    if request.status != RequestStatus.PENDING:
        raise MentoringError(_("This request is no longer waiting for an answer."))
    request.status = RequestStatus.WITHDRAWN
    request.closed_at = utcnow()
    db.session.flush()
    record_event(request.course_id, mentee, "request", request.id, "withdrawn")
    notify(
        request.mentor.membership,
        "request_withdrawn",
        link=_path("mentoring.inbox", course_id=request.course_id),
        mentee=_name(mentee, request.mentor.membership),
    )
    return request


def assign_mentorship(staff: Membership, mentee: Membership, profile: MentorProfile) -> Mentorship:
    """Pair a mentee with a mentor directly, as course staff (matching by staff, §2)."""
    if staff.role != CourseRole.STAFF:
        raise NotAllowed("only staff assign mentors")
    if not (staff.course_id == mentee.course_id == profile.course_id):
        raise NotAllowed("mentee and mentor must be of the staff member's course")
    if mentee.role == CourseRole.STAFF or not mentee.is_active:
        raise MentoringError(_("Only learners and mentors of the course can be mentees."), "mentee")
    if profile.membership_id == mentee.id:
        raise MentoringError(_("A mentor cannot be their own mentee."), "mentee")
    if profile.status != MentorStatus.APPROVED:
        raise MentoringError(_("This mentor is not approved."), "mentor")
    if profile.is_busy:
        raise MentoringError(_("This mentor is marked busy."), "mentor")
    if _active_pair_exists(mentee, profile):
        raise MentoringError(_("These two already have a mentorship in progress."), "mentee")
    _take_place(profile)
    mentorship = _start_mentorship(mentee, profile, request=None, assigned_by=staff)
    record_event(staff.course_id, staff, "mentorship", mentorship.id, "assigned")
    for recipient in (mentee, profile.membership):
        notify(
            recipient,
            "mentorship_assigned",
            link=_mentorship_path(mentorship),
            mentee=_name(mentee, recipient),
            mentor=_name(profile.membership, recipient),
        )
    return mentorship


# --- agreement (§4.4) ------------------------------------------------------------------------


def propose_agreement(
    member: Membership,
    mentorship: Mentorship,
    *,
    goals: str,
    contact_modes: Iterable[str],
    frequency: str,
    other_commitments: str,
) -> Agreement:
    """Propose a new version of the agreement; the proposer confirms it by proposing it."""
    side = _require_side(member, mentorship)
    _require_not_ended_early(mentorship)
    goals = _text(goals, "goals", required=True)
    frequency = _text(frequency, "frequency", required=True, limit=MAX_FREQUENCY)
    other_commitments = _text(other_commitments, "other_commitments", required=False)
    modes = _choices(contact_modes, CONTACT_MODES, "contact_modes")
    if not modes:
        raise MentoringError(_("Choose at least one form of contact."), "contact_modes")
    latest = db.session.scalar(
        select(func.max(Agreement.version)).filter_by(mentorship_id=mentorship.id)
    )
    now = utcnow()
    agreement = Agreement(
        mentorship_id=mentorship.id,
        version=(latest or 0) + 1,
        goals=goals,
        contact_modes=modes,
        frequency=frequency,
        other_commitments=other_commitments,
        proposed_by_id=member.id,
        proposed_at=now,
    )
    _stamp_confirmation(agreement, side, now)
    db.session.add(agreement)
    db.session.flush()
    record_event(
        mentorship.course_id,
        member,
        "agreement",
        agreement.id,
        "proposed",
        mentorship_id=mentorship.id,
        version=agreement.version,
    )
    other = _other_member(mentorship, side)
    notify(
        other,
        "agreement_proposed",
        link=_mentorship_path(mentorship),
        author=_name(member, other),
        version=agreement.version,
    )
    return agreement


def confirm_agreement(member: Membership, agreement: Agreement) -> Agreement:
    """Confirm the latest version of the agreement from one's own side."""
    mentorship = db.session.get(Mentorship, agreement.mentorship_id)
    if mentorship is None:
        raise NotAllowed("agreement without a mentorship")
    side = _require_side(member, mentorship)
    _require_not_ended_early(mentorship)
    latest = db.session.scalar(
        select(func.max(Agreement.version)).filter_by(mentorship_id=mentorship.id)
    )
    if agreement.version != latest:
        raise MentoringError(_("A newer version of the agreement exists: confirm that one."))
    confirmed_at = (
        agreement.mentee_confirmed_at if side == Side.MENTEE else agreement.mentor_confirmed_at
    )
    if confirmed_at is not None:
        raise MentoringError(_("You have already confirmed this version of the agreement."))
    _stamp_confirmation(agreement, side, utcnow())
    db.session.flush()
    record_event(
        mentorship.course_id,
        member,
        "agreement",
        agreement.id,
        "confirmed",
        mentorship_id=mentorship.id,
        version=agreement.version,
    )
    if agreement.is_confirmed:
        mentee, mentor = mentorship.mentee, mentorship.mentor.membership
        for recipient, other in ((mentee, mentor), (mentor, mentee)):
            notify(
                recipient,
                "agreement_confirmed",
                link=_mentorship_path(mentorship),
                other=_name(other, recipient),
                version=agreement.version,
            )
    return agreement


# --- contacts and preparation (§4.5) ---------------------------------------------------------


def log_contact(
    member: Membership,
    mentorship: Mentorship,
    *,
    held_on: date,
    mode: str,
    duration_minutes: int,
) -> ContactLog:
    """Log a contact the pair held; the last planned one concludes the mentorship."""
    side = _require_side(member, mentorship)
    _require_not_ended_early(mentorship)
    if held_on > (utcnow() + _LATEST_UTC_OFFSET).date():
        raise MentoringError(_("A contact cannot be logged before it took place."), "held_on")
    if mode not in CONTACT_MODES:
        raise MentoringError(_("Choose how the contact took place."), "mode")
    if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise MentoringError(
            _("Give a duration between 1 and %(most)s minutes.", most=MAX_DURATION_MINUTES),
            "duration_minutes",
        )
    last = db.session.scalar(
        select(func.max(ContactLog.number)).filter_by(mentorship_id=mentorship.id)
    )
    contact = ContactLog(
        mentorship_id=mentorship.id,
        number=(last or 0) + 1,
        held_on=held_on,
        mode=mode,
        duration_minutes=duration_minutes,
        logged_by_id=member.id,
        logged_at=utcnow(),
    )
    db.session.add(contact)
    mentorship.contacts_done = contact.number
    db.session.flush()
    record_event(
        mentorship.course_id,
        member,
        "mentorship",
        mentorship.id,
        "contact_logged",
        number=contact.number,
    )
    other = _other_member(mentorship, side)
    notify(
        other,
        "contact_logged",
        link=_mentorship_path(mentorship),
        author=_name(member, other),
        number=contact.number,
        planned=mentorship.contacts_planned,
        mode=_in_language_of(other, CONTACT_MODES[mode]),
    )
    if (
        mentorship.status == MentorshipStatus.ACTIVE
        and mentorship.contacts_done >= mentorship.contacts_planned
    ):
        _conclude(member, mentorship)
    return contact


def save_mentor_preparation(
    mentor: Membership,
    mentorship: Mentorship,
    contact_number: int,
    *,
    offered_last: Iterable[str],
    offered_notes: str,
    offer_next: str,
    techniques_used: Iterable[str],
    techniques_notes: str,
    techniques_more: str,
    mentee_needs: str,
    next_goals: str,
) -> MentorPreparation:
    """Save (create or update) the mentor's preparation / follow-up form of one contact."""
    if _require_side(mentor, mentorship) != Side.MENTOR:
        raise NotAllowed("only the mentor fills the mentor's preparation form")
    _require_preparable(mentorship, contact_number)
    values = {
        "offered_last": _choices(offered_last, OFFER_KINDS, "offered_last"),
        "offered_notes": _text(offered_notes, "offered_notes", required=False),
        "offer_next": _text(offer_next, "offer_next", required=False),
        "techniques_used": _choices(techniques_used, TECHNIQUES, "techniques_used"),
        "techniques_notes": _text(techniques_notes, "techniques_notes", required=False),
        "techniques_more": _text(techniques_more, "techniques_more", required=False),
        "mentee_needs": _text(mentee_needs, "mentee_needs", required=False),
        "next_goals": _text(next_goals, "next_goals", required=False),
    }
    preparation = _upsert(MentorPreparation, mentorship, contact_number, values)
    record_event(
        mentorship.course_id,
        mentor,
        "mentorship",
        mentorship.id,
        "mentor_preparation_saved",
        contact_number=contact_number,
    )
    # A saved preparation form completes the "Contact preparation" placement (§6 AGS).
    queue_completion_scores(mentor, "preparation")
    return preparation


def save_mentee_preparation(
    mentee: Membership,
    mentorship: Mentorship,
    contact_number: int,
    *,
    question_next: str,
    tried_since: str,
    needs: str,
) -> MenteePreparation:
    """Save (create or update) the mentee's own preparation of one contact."""
    if _require_side(mentee, mentorship) != Side.MENTEE:
        raise NotAllowed("only the mentee fills the mentee's preparation form")
    _require_preparable(mentorship, contact_number)
    values = {
        "question_next": _text(question_next, "question_next", required=False),
        "tried_since": _text(tried_since, "tried_since", required=False),
        "needs": _text(needs, "needs", required=False),
    }
    preparation = _upsert(MenteePreparation, mentorship, contact_number, values)
    record_event(
        mentorship.course_id,
        mentee,
        "mentorship",
        mentorship.id,
        "mentee_preparation_saved",
        contact_number=contact_number,
    )
    # A saved preparation form completes the "Contact preparation" placement (§6 AGS).
    queue_completion_scores(mentee, "preparation")
    return preparation


# --- ending and evaluation (§4.6) ------------------------------------------------------------


def end_mentorship_early(
    member: Membership, mentorship: Mentorship, *, reason: str, talked_it_over: bool
) -> Mentorship:
    """End a mentorship in progress early, after talking it over, with a reason (standard 10)."""
    side = _require_side(member, mentorship)
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise MentoringError(_("Only a mentorship in progress can be ended early."))
    if not talked_it_over:
        raise MentoringError(
            _("End a mentorship only after talking it over with the other person."),
            "talked_it_over",
        )
    reason = _text(reason, "reason", required=True)
    now = utcnow()
    mentorship.status = MentorshipStatus.ENDED_EARLY
    mentorship.ended_at = now
    mentorship.ended_by_id = member.id
    mentorship.end_reason = reason
    _release_place(mentorship.mentor)
    db.session.flush()
    record_event(mentorship.course_id, member, "mentorship", mentorship.id, "ended_early")
    other = _other_member(mentorship, side)
    notify(
        other,
        "mentorship_ended_early",
        link=_mentorship_path(mentorship),
        author=_name(member, other),
        reason=reason,
    )
    _ask_for_evaluations(mentorship)
    return mentorship


def submit_evaluation(member: Membership, mentorship: Mentorship, **answers: Any) -> Evaluation:
    """Submit one's side's evaluation, once, after the end: one answer per question asked.

    ``answers`` are keyed by each question's field name (``evaluation.operations.field_name``).
    """
    side = _require_side(member, mentorship)
    if mentorship.status == MentorshipStatus.ACTIVE:
        raise MentoringError(_("You can evaluate the mentorship once it has ended."))
    if db.session.scalar(select(Evaluation.id).filter_by(mentorship_id=mentorship.id, side=side)):
        raise MentoringError(_("You have already evaluated this mentorship."))
    evaluation = Evaluation(
        mentorship_id=mentorship.id, author_id=member.id, side=side, submitted_at=utcnow()
    )
    try:
        with db.session.begin_nested():
            db.session.add(evaluation)
            db.session.flush()
            evaluation_operations.record_answers(evaluation, mentorship.course_id, answers)
    except evaluation_operations.EvaluationError as error:
        raise MentoringError(error.message, error.field) from None
    record_event(
        mentorship.course_id, member, "mentorship", mentorship.id, "evaluated", side=str(side)
    )
    # Completing the evaluation earns the completion score of its placements (§6 AGS).
    queue_completion_scores(member, "evaluation", evaluation.submitted_at)
    return evaluation


# --- concerns (§3) ---------------------------------------------------------------------------


def report_concern(
    member: Membership,
    *,
    text: str,
    mentorship: Mentorship | None = None,
    about: Membership | None = None,
) -> Concern:
    """Report a concern, about one's mentorship or a person of the course, to the staff."""
    _require_participant(member)
    if mentorship is not None:
        _require_side(member, mentorship)
    if about is not None:
        if about.course_id != member.course_id:
            raise NotAllowed("a person of another course")
        if about.id == member.id:
            raise MentoringError(_("Choose someone other than yourself."), "about")
    concern = Concern(
        course_id=member.course_id,
        reporter=member,
        mentorship_id=mentorship.id if mentorship is not None else None,
        about_id=about.id if about is not None else None,
        text=_text(text, "text", required=True),
        status=ConcernStatus.OPEN,
    )
    db.session.add(concern)
    db.session.flush()
    # The audit trail says that a report exists, never what it says (reports are confidential).
    record_event(member.course_id, member, "concern", concern.id, "reported")
    notify_staff(member.course_id, "concern_reported", course=member.course.display_title)
    return concern


def close_concern(staff: Membership, concern: Concern, *, action_taken: str) -> Concern:
    """Close an open concern, as course staff, saying what was done."""
    if staff.role != CourseRole.STAFF or staff.course_id != concern.course_id:
        raise NotAllowed("only the course's staff close concerns")
    if concern.status != ConcernStatus.OPEN:
        raise MentoringError(_("This concern is already closed."))
    concern.action_taken = _text(action_taken, "action_taken", required=True)
    concern.status = ConcernStatus.CLOSED
    concern.closed_at = utcnow()
    concern.closed_by_id = staff.id
    db.session.flush()
    record_event(staff.course_id, staff, "concern", concern.id, "closed")
    return concern


# --- who is who ------------------------------------------------------------------------------


def side_of(member: Membership, mentorship: Mentorship) -> Side | None:
    """Return the member's side of the mentorship, or None when they are not in it."""
    if member.course_id != mentorship.course_id:
        return None
    if mentorship.mentee_id == member.id:
        return Side.MENTEE
    if mentorship.mentor.membership_id == member.id:
        return Side.MENTOR
    return None


def _require_side(member: Membership, mentorship: Mentorship) -> Side:
    side = side_of(member, mentorship)
    if side is None:
        raise NotAllowed("not a member of this mentorship")
    return side


def _require_participant(member: Membership) -> None:
    if member.role == CourseRole.STAFF or not member.is_active:
        raise NotAllowed("staff are not participants")


def _require_request_mentor(mentor: Membership, request: ContactRequest) -> MentorProfile:
    profile = request.mentor
    if request.course_id != mentor.course_id or profile.membership_id != mentor.id:
        raise NotAllowed("only the mentor a request was sent to may answer it")
    return profile


def _require_pending(request: ContactRequest) -> None:
    messages = {
        RequestStatus.ACCEPTED: _("This request was already accepted."),
        RequestStatus.DECLINED: _("This request was already declined."),
        RequestStatus.EXPIRED: _("This request expired: its answer deadline has passed."),
        RequestStatus.WITHDRAWN: _("The mentee withdrew this request."),
    }
    if request.status != RequestStatus.PENDING:
        raise MentoringError(messages[request.status])


def _require_not_ended_early(mentorship: Mentorship) -> None:
    if mentorship.status == MentorshipStatus.ENDED_EARLY:
        raise MentoringError(_("This mentorship was ended early."))


def _require_preparable(mentorship: Mentorship, contact_number: int) -> None:
    """Forms exist for past contacts and the next one (not the next one after an early end)."""
    last = mentorship.contacts_done
    if mentorship.status != MentorshipStatus.ENDED_EARLY:
        last += 1
    if not 1 <= contact_number <= last:
        raise MentoringError(_("There is no such contact to prepare or follow up."))


def _other_member(mentorship: Mentorship, side: Side) -> Membership:
    return mentorship.mentor.membership if side == Side.MENTEE else mentorship.mentee


def _active_pair_exists(mentee: Membership, profile: MentorProfile) -> bool:
    return (
        db.session.scalar(
            select(Mentorship.id).filter_by(
                mentee_id=mentee.id, mentor_id=profile.id, status=MentorshipStatus.ACTIVE
            )
        )
        is not None
    )


# --- changes shared by several moves ---------------------------------------------------------


def _start_mentorship(
    mentee: Membership,
    profile: MentorProfile,
    *,
    request: ContactRequest | None,
    assigned_by: Membership | None,
) -> Mentorship:
    mentorship = Mentorship(
        course_id=profile.course_id,
        mentee=mentee,
        mentor=profile,
        request=request,
        assigned_by_id=assigned_by.id if assigned_by is not None else None,
        status=MentorshipStatus.ACTIVE,
        contacts_planned=programme_for(profile.membership.course).contacts_per_mentorship,
        contacts_done=0,
        started_at=utcnow(),
    )
    db.session.add(mentorship)
    db.session.flush()
    return mentorship


def _lock_place_count(profile: MentorProfile) -> None:
    """Re-read the mentor's place count with the row locked until the transaction ends.

    Only the counted columns are refreshed: a full refresh would join eagerly loaded
    relationships, and PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    """
    db.session.flush()
    db.session.refresh(
        profile, ["active_mentorships", "capacity"], with_for_update={"of": MentorProfile}
    )


def _take_place(profile: MentorProfile) -> None:
    """Count one more mentee for the mentor, refusing beyond capacity (row locked meanwhile)."""
    _lock_place_count(profile)
    if profile.active_mentorships >= profile.capacity:
        raise MentoringError(
            _(
                "The mentor already has as many mentees as they can take (%(capacity)s).",
                capacity=profile.capacity,
            )
        )
    profile.active_mentorships += 1
    _refresh_search_document(profile)


def _release_place(profile: MentorProfile) -> None:
    """Count one mentee less for the mentor (at conclusion or early end)."""
    _lock_place_count(profile)
    profile.active_mentorships = max(0, profile.active_mentorships - 1)
    _refresh_search_document(profile)


def _conclude(member: Membership, mentorship: Mentorship) -> None:
    """Conclude the mentorship officially after its last planned contact (standard 7)."""
    mentorship.status = MentorshipStatus.CONCLUDED
    mentorship.concluded_at = utcnow()
    _release_place(mentorship.mentor)
    db.session.flush()
    record_event(mentorship.course_id, member, "mentorship", mentorship.id, "concluded")
    for recipient in (mentorship.mentee, mentorship.mentor.membership):
        notify(
            recipient,
            "mentorship_concluded",
            link=_mentorship_path(mentorship),
            planned=mentorship.contacts_planned,
        )
    _ask_for_evaluations(mentorship)


def _ask_for_evaluations(mentorship: Mentorship) -> None:
    evaluation_operations.ensure_default_questions(mentorship.course_id)
    for recipient in (mentorship.mentee, mentorship.mentor.membership):
        notify(
            recipient,
            "evaluation_due",
            link=_path(
                "mentoring.evaluation", course_id=mentorship.course_id, mentorship_id=mentorship.id
            ),
            dedupe_key=f"evaluation_due:{mentorship.id}:{recipient.id}",
        )


def _stamp_confirmation(agreement: Agreement, side: Side, moment: datetime) -> None:
    if side == Side.MENTEE:
        agreement.mentee_confirmed_at = moment
    else:
        agreement.mentor_confirmed_at = moment


def _upsert(
    model: type[MentorPreparation] | type[MenteePreparation],
    mentorship: Mentorship,
    contact_number: int,
    values: dict[str, Any],
) -> Any:
    row = db.session.scalar(
        select(model).filter_by(mentorship_id=mentorship.id, contact_number=contact_number)
    )
    if row is None:
        row = model(mentorship_id=mentorship.id, contact_number=contact_number)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.flush()
    return row


# --- small helpers ---------------------------------------------------------------------------


def _text(value: str | None, field: str, *, required: bool, limit: int = MAX_TEXT) -> str:
    """Return the text stripped, refusing it when empty (if required) or too long."""
    value = (value or "").strip()
    if required and not value:
        raise MentoringError(_("This field is required."), field)
    if len(value) > limit:
        raise MentoringError(_("Write at most %(limit)s characters.", limit=limit), field)
    return value


def _choices(values: Iterable[str], allowed: dict[str, Any], field: str) -> list[str]:
    """Return the chosen values in the allowed order, refusing unknown ones."""
    chosen = set(values or ())
    if chosen - set(allowed):
        raise MentoringError(_("Choose among the options shown."), field)
    return [value for value in allowed if value in chosen]


def _can_receive_requests(profile: MentorProfile) -> bool:
    from ..mentors import operations as mentor_operations

    return bool(mentor_operations.can_receive_requests(profile))


def _refresh_search_document(profile: MentorProfile) -> None:
    from ..mentors import operations as mentor_operations

    mentor_operations.refresh_search_document(profile)


def _name(member: Membership, recipient: Membership) -> str:
    """Return the member's name as the recipient of a notice will read it."""
    return member.user.display_name or _in_language_of(recipient, _l("a participant"))


def _language_of(member: Membership) -> str:
    return normalise_locale(member.user.locale) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _in_language_of(member: Membership, text: Any) -> str:
    """Render a lazy text in the recipient's language (notices are stored as text)."""
    with force_locale(_language_of(member)):
        return str(text)


def _date_for(member: Membership, moment: datetime) -> str:
    with force_locale(_language_of(member)):
        return str(format_date(moment, "long"))


def _path(endpoint: str, **values: Any) -> str:
    """Return the path of a page, with or without a request (jobs build links too)."""
    adapter = current_app.url_map.bind("tool.invalid", script_name="/")
    return adapter.build(endpoint, values)


def _mentorship_path(mentorship: Mentorship) -> str:
    return _path(
        "mentoring.mentorship", course_id=mentorship.course_id, mentorship_id=mentorship.id
    )
