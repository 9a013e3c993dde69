"""A mentorship from start to end (§4.4–§4.6): places, contacts, conclusion, early end,
evaluation. Functions flush, never commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit import record_event
from ..evaluation import operations as evaluation_operations
from ..evaluation.models import Evaluation
from ..extensions import db
from ..gradebook.operations import queue_completion_scores
from ..mentors.models import MentorProfile
from ..mentors.operations import refresh_search_document
from ..models_base import utcnow
from ..notifications.operations import notify
from ..people.models import Membership
from ..programme.operations import programme_for
from ..refusals import NotAllowed, Refusal
from ..text import clean_text
from .choices import CONTACT_MODES, MAX_DURATION_MINUTES
from .models import ContactLog, ContactRequest, Mentorship, MentorshipStatus
from .rules import (
    AlreadyDone,
    active_places,
    contact_date_refusal,
    lock,
    mentorship_path,
    name_for,
    other_member,
    path_to,
    require_not_ended_early,
    require_side,
)

# --- contacts and preparation (§4.5) ---------------------------------------------------------


def log_contact(
    member: Membership,
    mentorship: Mentorship,
    *,
    held_on: date,
    mode: str,
    duration_minutes: int,
) -> ContactLog:
    """Log a contact the pair held, or confirm the one the other side logged for that day.

    One contact is one row (issue 10): logged by either side, confirmed (or corrected) by the
    other when they log the same day. The last planned contact concludes the mentorship.
    """
    side = require_side(member, mentorship)
    lock(mentorship)
    require_not_ended_early(mentorship)
    errors = {}  # every field's problem at once
    date_refusal = contact_date_refusal(mentorship, held_on)
    if date_refusal:
        errors["held_on"] = date_refusal
    if mode not in CONTACT_MODES:
        errors["mode"] = _("Choose how the contact took place.")
    if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = _(
            "Give a duration between 1 and %(most)s minutes.", most=MAX_DURATION_MINUTES
        )
    if errors:
        raise Refusal(errors=errors)
    same_day = db.session.scalar(
        select(ContactLog).filter_by(mentorship_id=mentorship.id, held_on=held_on)
    )
    if same_day is not None:
        if same_day.logged_by_id == member.id or same_day.confirmed_by_id is not None:
            raise AlreadyDone(
                _("Contact %(number)s of that day is already logged.", number=same_day.number),
                same_day,
            )
        return _confirm(member, mentorship, same_day, mode=mode, duration_minutes=duration_minutes)
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
    other = other_member(mentorship, side)
    notify(
        other,
        "contact_logged",
        link=mentorship_path(mentorship),
        author=name_for(member, other),
        number=contact.number,
        planned=mentorship.contacts_planned,
        mode=CONTACT_MODES[mode],
    )
    if (
        mentorship.status == MentorshipStatus.ACTIVE
        and mentorship.contacts_done >= mentorship.contacts_planned
    ):
        conclude(member, mentorship)
    return contact


def confirm_contact(member: Membership, mentorship: Mentorship, contact: ContactLog) -> ContactLog:
    """Confirm, as the other side, a contact as it was logged."""
    require_side(member, mentorship)
    if contact.mentorship_id != mentorship.id:
        raise NotAllowed("a contact of another mentorship")
    lock(mentorship)
    db.session.refresh(contact)
    if contact.logged_by_id == member.id:
        raise Refusal(_("The other side confirms the contacts you log."))
    if contact.confirmed_by_id is not None:
        raise AlreadyDone(_("This contact is already confirmed."), contact)
    return _confirm(
        member, mentorship, contact, mode=contact.mode, duration_minutes=contact.duration_minutes
    )


def _confirm(
    member: Membership,
    mentorship: Mentorship,
    contact: ContactLog,
    *,
    mode: str,
    duration_minutes: int,
) -> ContactLog:
    """Confirm the other side's log of a contact, correcting how and how long it was held."""
    corrected = (mode, duration_minutes) != (contact.mode, contact.duration_minutes)
    contact.mode = mode
    contact.duration_minutes = duration_minutes
    contact.confirmed_by_id = member.id
    contact.confirmed_at = utcnow()
    db.session.flush()
    record_event(
        mentorship.course_id,
        member,
        "mentorship",
        mentorship.id,
        "contact_corrected" if corrected else "contact_confirmed",
        number=contact.number,
    )
    return contact


def close_continuation(member: Membership, mentorship: Mentorship, *, note: str) -> Mentorship:
    """Close a concluded mentorship the pair continued (standard 7): nothing more is logged."""
    side = require_side(member, mentorship)
    lock(mentorship)
    if mentorship.continuation_closed_at is not None:
        raise AlreadyDone(_("This mentorship is already closed."), mentorship)
    if mentorship.status != MentorshipStatus.CONCLUDED:
        raise Refusal(_("Only a concluded mentorship that continued can be closed."))
    mentorship.continuation_note = clean_text(note, "note", required=False) or None
    mentorship.continuation_closed_at = utcnow()
    db.session.flush()
    record_event(mentorship.course_id, member, "mentorship", mentorship.id, "closed")
    other = other_member(mentorship, side)
    notify(
        other,
        "mentorship_closed",
        link=mentorship_path(mentorship),
        author=name_for(member, other),
    )
    return mentorship


# --- ending and evaluation (§4.6) ------------------------------------------------------------


def end_mentorship_early(
    member: Membership, mentorship: Mentorship, *, reason: str, talked_it_over: bool
) -> Mentorship:
    """End a mentorship in progress early, after talking it over, with a reason (standard 10)."""
    side = require_side(member, mentorship)
    lock(mentorship)
    if mentorship.status == MentorshipStatus.ENDED_EARLY:
        raise AlreadyDone(_("This mentorship has already ended."), mentorship)
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise Refusal(_("Only a mentorship in progress can be ended early."))
    if not talked_it_over:
        raise Refusal(
            _("End a mentorship only after talking it over with the other person."),
            "talked_it_over",
        )
    reason = clean_text(reason, "reason", required=True)
    now = utcnow()
    mentorship.status = MentorshipStatus.ENDED_EARLY
    mentorship.ended_at = now
    mentorship.ended_by_id = member.id
    mentorship.end_reason = reason
    release_place(mentorship.mentor)
    db.session.flush()
    record_event(mentorship.course_id, member, "mentorship", mentorship.id, "ended_early")
    other = other_member(mentorship, side)
    notify(
        other,
        "mentorship_ended_early",
        link=mentorship_path(mentorship),
        author=name_for(member, other),
        reason=reason,
    )
    ask_for_evaluations(mentorship)
    return mentorship


def submit_evaluation(member: Membership, mentorship: Mentorship, **answers: Any) -> Evaluation:
    """Submit one's side's evaluation, once, after the end: one answer per question asked.

    ``answers`` are keyed by each question's field name (``evaluation.operations.field_name``);
    staff configure the questions (§2).
    """
    side = require_side(member, mentorship)
    lock(mentorship)
    if mentorship.status == MentorshipStatus.ACTIVE:
        raise Refusal(_("You can evaluate the mentorship once it has ended."))
    if db.session.scalar(select(Evaluation.id).filter_by(mentorship_id=mentorship.id, side=side)):
        raise AlreadyDone(_("You have already evaluated this mentorship."), mentorship)
    evaluation = Evaluation(
        mentorship_id=mentorship.id, author_id=member.id, side=side, submitted_at=utcnow()
    )
    with db.session.begin_nested():  # a refused answer leaves no evaluation behind
        db.session.add(evaluation)
        db.session.flush()
        evaluation_operations.record_answers(evaluation, mentorship.course_id, answers)
    record_event(
        mentorship.course_id, member, "mentorship", mentorship.id, "evaluated", side=str(side)
    )
    # Completing the evaluation earns the completion score of its placements (§6 AGS).
    queue_completion_scores(member, "evaluation", evaluation.submitted_at)
    return evaluation


# --- changes shared by several moves ---------------------------------------------------------


def start_mentorship(
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


def take_place(profile: MentorProfile) -> None:
    """Refuse a new mentee beyond the mentor's capacity, counting with the mentor's row locked."""
    lock(profile)
    if active_places(profile) >= profile.capacity:
        raise Refusal(
            _(
                "The mentor already has as many mentees as they can take (%(capacity)s).",
                capacity=profile.capacity,
            )
        )


def recount_places(profile: MentorProfile) -> None:
    """Set the mentor's place count from their mentorships in progress (row locked meanwhile).

    The count is derived, so a mentorship ended twice at once can never free two places.
    """
    lock(profile)
    profile.active_mentorships = active_places(profile)
    refresh_search_document(profile)


def release_place(profile: MentorProfile) -> None:
    """Free the place of a mentorship that ended (at conclusion or early end)."""
    recount_places(profile)


def conclude(member: Membership, mentorship: Mentorship) -> None:
    """Conclude the mentorship officially after its last planned contact (standard 7)."""
    mentorship.status = MentorshipStatus.CONCLUDED
    mentorship.concluded_at = utcnow()
    release_place(mentorship.mentor)
    db.session.flush()
    record_event(mentorship.course_id, member, "mentorship", mentorship.id, "concluded")
    for recipient in (mentorship.mentee, mentorship.mentor.membership):
        notify(
            recipient,
            "mentorship_concluded",
            link=mentorship_path(mentorship),
            planned=mentorship.contacts_planned,
        )
    ask_for_evaluations(mentorship)


def ask_for_evaluations(mentorship: Mentorship) -> None:
    """Give the course its evaluation questions (first time) and ask both sides to evaluate."""
    evaluation_operations.ensure_default_questions(mentorship.course_id)
    for recipient in (mentorship.mentee, mentorship.mentor.membership):
        notify(
            recipient,
            "evaluation_due",
            link=path_to(
                "mentoring.evaluation", course_id=mentorship.course_id, mentorship_id=mentorship.id
            ),
            dedupe_key=f"evaluation_due:{mentorship.id}:{recipient.id}",
        )
