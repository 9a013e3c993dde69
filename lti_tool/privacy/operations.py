"""Personal data (§3): erase a person on request, anonymise mentorships after retention.

Functions flush, never commit: the CLI and the job runner commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, or_, select

from .. import storage
from ..audit import record_event
from ..concerns.models import Concern
from ..evaluation.models import Evaluation, EvaluationAnswer
from ..extensions import db
from ..gradebook.models import GradebookScore
from ..i18n import in_language_of
from ..mentoring import mentorships, requests
from ..mentoring.models import (
    Agreement,
    ContactRequest,
    MenteePreparation,
    MentorPreparation,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from ..mentors.models import MentorProfile, MentorStatus
from ..mentors.operations import refresh_search_document
from ..models_base import utcnow
from ..notifications.models import Notification, OutboxEmail
from ..notifications.operations import render_notice
from ..people.models import Membership, User
from ..reflection.models import ReflectionAnswer
from .queries import memberships_of

#: What an erased person's name becomes in the other people's notices.
ERASED_PERSON = _l("a former participant")
#: The reason given when erasure ends a mentorship or answers a request.
ERASED_REASON = _l("Erased on request.")

_MENTOR_FORM_TEXTS = (
    "offered_notes",
    "offer_next",
    "techniques_notes",
    "techniques_more",
    "mentee_needs",
    "next_goals",
)
_MENTEE_FORM_TEXTS = ("question_next", "tried_since", "needs")


def erase_person(user: User) -> User:
    """Erase a person on request, anonymising rather than breaking rows others share (§3).

    What goes: names, e-mail and locale; the platform subject (replaced by a random
    ``erased-…`` value, so a later launch creates a fresh account); the free texts the person
    wrote — request question, ideas and expectations, proposals and decline reasons, the
    agreements they proposed (goals, frequency, other commitments), their own preparation
    forms, the comments of their evaluations, the reasons of early ends they gave, the texts
    of concerns they reported; their reflection answers with every revision; their
    notifications and e-mails; their gradebook scores (they carry the subject); their mentor
    profile (deleted when no request or mentorship refers to it, else blanked, paused and
    busy). Their name and texts are also removed from the other people's notices and
    e-mails.

    What stays, for the other person and for staff statistics: the rows themselves with their
    statuses, counts, dates, choices and scores; the other person's own forms and evaluation;
    standards acceptances (version and date); the audit trail (ids and actions, no personal
    data). Pending requests are withdrawn or declined and active mentorships end early with
    the reason "Erased on request.", through the journey's own operations so that mentor
    places are released and the other person is told. Memberships become inactive.
    """
    memberships = memberships_of(user)
    identifiers = _identifiers(user)
    written: set[str] = set()
    for membership in memberships:
        written |= _blank_written_texts(membership)
    for membership in memberships:
        _close_open_business(membership)
    for membership in memberships:
        _remove_private_rows(membership)
        membership.is_active = False
        membership.lti_roles = []
    db.session.flush()
    _scrub_notices_of_others(
        {membership.course_id for membership in memberships}, identifiers, written
    )
    user.name = user.given_name = user.family_name = user.email = user.locale = None
    user.subject = "erased-" + secrets.token_hex(16)
    for membership in memberships:
        profile = _profile_of(membership)
        if profile is not None:
            refresh_search_document(profile)
        record_event(membership.course_id, None, "membership", membership.id, "erased")
    db.session.flush()
    return user


def anonymise_expired_mentorships(now: datetime | None = None) -> int:
    """Blank the free texts of mentorships that ended more than RETENTION_DAYS ago (§3).

    Agreements, preparation forms of both sides, evaluation comments, the end reason and the
    originating request's texts are blanked; statuses, counts, dates, choices and scores stay.
    Each mentorship is stamped ``anonymised_at`` and never touched again. Returns how many
    were anonymised; with a retention of 0 days nothing ever is.
    """
    days = int(current_app.config.get("RETENTION_DAYS") or 0)
    if days <= 0:
        return 0
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    expired = db.session.scalars(
        select(Mentorship)
        .where(
            Mentorship.anonymised_at.is_(None),
            or_(
                and_(
                    Mentorship.status == MentorshipStatus.CONCLUDED,
                    Mentorship.concluded_at < cutoff,
                ),
                and_(
                    Mentorship.status == MentorshipStatus.ENDED_EARLY,
                    Mentorship.ended_at < cutoff,
                ),
            ),
        )
        .order_by(Mentorship.id)
    ).all()
    for mentorship in expired:
        anonymise_mentorship(mentorship, now)
    db.session.flush()
    return len(expired)


def anonymise_mentorship(mentorship: Mentorship, now: datetime | None = None) -> Mentorship:
    """Blank every free text of one mentorship and stamp it as anonymised."""
    for agreement in _all(Agreement, mentorship_id=mentorship.id):
        _blank_agreement(agreement)
    for form in _all(MentorPreparation, mentorship_id=mentorship.id):
        _blank(form, _MENTOR_FORM_TEXTS)
    for form in _all(MenteePreparation, mentorship_id=mentorship.id):
        _blank(form, _MENTEE_FORM_TEXTS)
    for evaluation in _all(Evaluation, mentorship_id=mentorship.id):
        for answer in _all(EvaluationAnswer, evaluation_id=evaluation.id):
            _blank(answer, ("text",), nullable=True)
    if mentorship.request is not None:
        _blank(mentorship.request, ("question", "ideas", "expectations"))
        _blank(mentorship.request, ("proposal", "decline_reason"), nullable=True)
    _blank(mentorship, ("end_reason",), nullable=True)
    mentorship.anonymised_at = now or utcnow()
    record_event(mentorship.course_id, None, "mentorship", mentorship.id, "anonymised")
    return mentorship


# --- the steps of erasure --------------------------------------------------------------------


def _blank_written_texts(membership: Membership) -> set[str]:
    """Blank the free texts the member wrote; return them (to remove them from notices too)."""
    written: set[str] = set()
    profile = _profile_of(membership)
    for request in _all(ContactRequest, mentee_id=membership.id):
        written |= _blank(request, ("question", "ideas", "expectations"))
    if profile is not None:
        for request in _all(ContactRequest, mentor_id=profile.id):
            written |= _blank(request, ("proposal", "decline_reason"), nullable=True)
    for agreement in _all(Agreement, proposed_by_id=membership.id):
        written |= _blank_agreement(agreement)
    for mentorship in _mentorships_of(membership, profile):
        if mentorship.mentee_id == membership.id:
            for form in _all(MenteePreparation, mentorship_id=mentorship.id):
                written |= _blank(form, _MENTEE_FORM_TEXTS)
        else:
            for form in _all(MentorPreparation, mentorship_id=mentorship.id):
                written |= _blank(form, _MENTOR_FORM_TEXTS)
        if mentorship.ended_by_id == membership.id:
            written |= _blank(mentorship, ("end_reason",), nullable=True)
    for evaluation in _all(Evaluation, author_id=membership.id):
        for answer in _all(EvaluationAnswer, evaluation_id=evaluation.id):
            written |= _blank(answer, ("text",), nullable=True)
    for concern in _all(Concern, reporter_id=membership.id):
        written |= _blank(concern, ("text",))
    return written


def _close_open_business(membership: Membership) -> None:
    """Withdraw, decline and end early what is still open, through the journey's operations."""
    profile = _profile_of(membership)
    for request in _all(ContactRequest, mentee_id=membership.id, status=RequestStatus.PENDING):
        requests.withdraw_request(membership, request)
    if profile is not None:
        for request in _all(ContactRequest, mentor_id=profile.id, status=RequestStatus.PENDING):
            reason = in_language_of(request.mentee, ERASED_REASON)
            requests.decline_request(membership, request, reason=reason)
    for mentorship in _mentorships_of(membership, profile):
        if mentorship.status == MentorshipStatus.ACTIVE:
            other = (
                mentorship.mentor.membership
                if mentorship.mentee_id == membership.id
                else mentorship.mentee
            )
            mentorships.end_mentorship_early(
                membership,
                mentorship,
                reason=in_language_of(other, ERASED_REASON),
                talked_it_over=True,
            )


def _remove_private_rows(membership: Membership) -> None:
    """Delete the member's answers, notices, e-mails, scores and (unshared) mentor profile."""
    for answer in _all(ReflectionAnswer, author_id=membership.id):
        db.session.delete(answer)  # with its revisions
    notices = select(Notification.id).filter_by(recipient_id=membership.id)
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.notification_id.in_(notices)))
    db.session.execute(delete(Notification).filter_by(recipient_id=membership.id))
    db.session.execute(delete(GradebookScore).filter_by(membership_id=membership.id))
    profile = _profile_of(membership)
    if profile is None:
        return
    # The photo goes in every case (the file first: a profile row never points at nothing).
    storage.delete(profile.photo_key)
    profile.photo_key = None
    is_referenced = db.session.scalar(
        select(ContactRequest.id).filter_by(mentor_id=profile.id).limit(1)
    ) or db.session.scalar(select(Mentorship.id).filter_by(mentor_id=profile.id).limit(1))
    if not is_referenced:
        db.session.delete(profile)
        return
    # Requests and mentorships of other people point at the profile: keep it, empty.
    profile.headline = profile.bio = ""
    profile.topics, profile.languages = [], []
    profile.contact_modes, profile.roles_offered = [], []
    profile.link_url = None
    profile.is_busy = True
    if profile.status != MentorStatus.EXCLUDED:  # an exclusion by staff stays on record
        profile.status = MentorStatus.PAUSED
        profile.status_changed_at = utcnow()


def _scrub_notices_of_others(
    course_ids: set[int], identifiers: list[str], written: set[str]
) -> None:
    """Take the person's name and texts out of other people's notices and their e-mails."""
    if not course_ids or not (identifiers or written):
        return
    notices = db.session.scalars(
        select(Notification).where(Notification.course_id.in_(course_ids))
    ).all()
    for notice in notices:
        placeholder = in_language_of(notice.recipient, ERASED_PERSON)
        params = dict(notice.params or {})
        changed = False
        for key, value in params.items():
            if not isinstance(value, str):
                continue
            cleaned = "" if value.strip() in written else value
            for identifier in identifiers:
                cleaned = cleaned.replace(identifier, placeholder)
            if cleaned != value:
                params[key] = cleaned
                changed = True
        if not changed:
            continue
        notice.params = params
        for email in _all(OutboxEmail, notification_id=notice.id):
            email.subject, email.body = render_notice(notice, notice.recipient.user.locale)


# --- helpers ---------------------------------------------------------------------------------


def _identifiers(user: User) -> list[str]:
    """The strings that name the person, longest first (a full name before its parts)."""
    values = {user.name, user.display_name, user.given_name, user.family_name, user.email}
    return sorted((value for value in values if value and value.strip()), key=len, reverse=True)


def _blank(row: Any, fields: Iterable[str], *, nullable: bool = False) -> set[str]:
    """Empty the row's text fields; return the texts that were there."""
    removed: set[str] = set()
    for field in fields:
        value = getattr(row, field)
        if value:
            removed.add(value.strip())
            setattr(row, field, None if nullable else "")
    return removed


def _blank_agreement(agreement: Agreement) -> set[str]:
    return _blank(agreement, ("goals", "frequency", "other_commitments"))


def _profile_of(membership: Membership) -> MentorProfile | None:
    return db.session.scalar(select(MentorProfile).filter_by(membership_id=membership.id))


def _mentorships_of(membership: Membership, profile: MentorProfile | None) -> list[Mentorship]:
    condition = Mentorship.mentee_id == membership.id
    if profile is not None:
        condition = or_(condition, Mentorship.mentor_id == profile.id)
    return list(db.session.scalars(select(Mentorship).where(condition).order_by(Mentorship.id)))


def _all(model: Any, **criteria: Any) -> list[Any]:
    return list(db.session.scalars(select(model).filter_by(**criteria).order_by(model.id)))
