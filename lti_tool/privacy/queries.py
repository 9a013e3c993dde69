"""Read side of personal data: find a person, and gather everything the tool holds about them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select

from ..audit import MentoringEvent
from ..concerns.models import Concern
from ..evaluation.models import Evaluation
from ..evaluation.queries import answer_value, answers_of
from ..extensions import db
from ..gradebook.models import GradebookScore
from ..mentoring.models import (
    Agreement,
    ContactLog,
    ContactRequest,
    MenteePreparation,
    MentorPreparation,
    Mentorship,
)
from ..mentors.models import MentorProfile
from ..models_base import utcnow
from ..notifications.models import Notification, OutboxEmail
from ..people.models import Membership, Side, User
from ..programme.models import StandardsAcceptance
from ..reflection.models import ReflectionAnswer

#: Version of the export's layout, so that a reader can tell files apart later.
EXPORT_FORMAT = 1


def find_user(issuer: str, subject: str) -> User | None:
    """Return the person a platform knows by ``issuer`` and ``subject``, if the tool has them."""
    return db.session.scalar(select(User).filter_by(issuer=issuer, subject=subject))


def memberships_of(user: User, course_id: int | None = None) -> list[Membership]:
    """Return the person's memberships (of one course when ``course_id`` is given)."""
    statement = select(Membership).filter_by(user_id=user.id).order_by(Membership.id)
    if course_id is not None:
        statement = statement.filter_by(course_id=course_id)
    return list(db.session.scalars(statement))


def last_launch_of(user: User) -> datetime | None:
    """The person's last launch into any course (each membership keeps its own)."""
    return db.session.scalar(
        select(func.max(Membership.last_launch_at)).where(Membership.user_id == user.id)
    )


def export_person(user: User, *, course_id: int | None = None) -> dict[str, Any]:
    """Return everything the tool holds about a person as JSON-ready data (§3 personal data).

    Shared rows (requests, mentorships, agreements, contacts) are included because the person
    is part of them; of the private forms and evaluations only the person's own side is. With
    ``course_id`` the export covers that course only (the in-tool download). Timestamps are
    ISO-8601.
    """
    memberships = memberships_of(user, course_id)
    acceptances = select(StandardsAcceptance).filter_by(user_id=user.id)
    if course_id is not None:
        acceptances = acceptances.filter_by(course_id=course_id)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(utcnow()),
        "user": {
            "issuer": user.issuer,
            "subject": user.subject,
            "name": user.name,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "email": user.email,
            "locale": user.locale,
            "last_launch_at": _iso(last_launch_of(user)),
            "created_at": _iso(user.created_at),
        },
        "standards_acceptances": [
            {
                "course_id": acceptance.course_id,
                "version": acceptance.version,
                "confirmed_of_age": acceptance.confirmed_of_age,
                "accepted_at": _iso(acceptance.accepted_at),
            }
            for acceptance in db.session.scalars(acceptances.order_by(StandardsAcceptance.id))
        ],
        "memberships": [_membership(membership) for membership in memberships],
    }


def _membership(membership: Membership) -> dict[str, Any]:
    profile = db.session.scalar(select(MentorProfile).filter_by(membership_id=membership.id))
    requests_sent = select(ContactRequest).filter_by(mentee_id=membership.id)
    requests_received = (
        select(ContactRequest).filter_by(mentor_id=profile.id) if profile is not None else None
    )
    mentorships = select(Mentorship).where(
        or_(
            Mentorship.mentee_id == membership.id,
            Mentorship.mentor_id == (profile.id if profile is not None else -1),
        )
    )
    return {
        "course": {
            "id": membership.course_id,
            "title": membership.course.display_title,
            "context_id": membership.course.context_id,
        },
        "role": membership.role.value,
        "lti_roles": list(membership.lti_roles or []),
        "is_active": membership.is_active,
        "last_launch_at": _iso(membership.last_launch_at),
        "roster_seen_at": _iso(membership.roster_seen_at),
        "created_at": _iso(membership.created_at),
        "mentor_profile": _profile(profile) if profile is not None else None,
        "requests_sent": [_request(row) for row in _rows(requests_sent, ContactRequest.id)],
        "requests_received": (
            [_request(row) for row in _rows(requests_received, ContactRequest.id)]
            if requests_received is not None
            else []
        ),
        "mentorships": [
            _mentorship(row, Side.MENTEE if row.mentee_id == membership.id else Side.MENTOR)
            for row in _rows(mentorships, Mentorship.id)
        ],
        "reflection_answers": [
            _answer(row)
            for row in _rows(
                select(ReflectionAnswer).filter_by(author_id=membership.id), ReflectionAnswer.id
            )
        ],
        "notifications": [
            _notification(row)
            for row in _rows(
                select(Notification).filter_by(recipient_id=membership.id), Notification.id
            )
        ],
        "concerns_reported": [
            {
                "id": row.id,
                "mentorship_id": row.mentorship_id,
                "text": row.text,
                "status": row.status.value,
                "created_at": _iso(row.created_at),
                "closed_at": _iso(row.closed_at),
            }
            for row in _rows(select(Concern).filter_by(reporter_id=membership.id), Concern.id)
        ],
        "gradebook_scores": [
            {
                "activity": row.activity,
                "score_given": row.score_given,
                "score_maximum": row.score_maximum,
                "status": row.status.value,
                "scored_at": _iso(row.scored_at),
                "posted_at": _iso(row.posted_at),
            }
            for row in _rows(
                select(GradebookScore).filter_by(membership_id=membership.id), GradebookScore.id
            )
        ],
        "audit_events": [
            {
                "subject": row.subject,
                "subject_id": row.subject_id,
                "action": row.action,
                "data": row.data,
                "created_at": _iso(row.created_at),
            }
            for row in _rows(
                select(MentoringEvent).filter_by(actor_id=membership.id), MentoringEvent.id
            )
        ],
    }


def _profile(profile: MentorProfile) -> dict[str, Any]:
    return {
        "headline": profile.headline,
        "bio": profile.bio,
        "topics": list(profile.topics or []),
        "languages": list(profile.languages or []),
        "contact_modes": list(profile.contact_modes or []),
        "roles_offered": list(profile.roles_offered or []),
        "link_url": profile.link_url,
        "has_photo": profile.photo_key is not None,
        "capacity": profile.capacity,
        "active_mentorships": profile.active_mentorships,
        "is_busy": profile.is_busy,
        "status": profile.status.value,
        "status_changed_at": _iso(profile.status_changed_at),
        "created_at": _iso(profile.created_at),
    }


def _request(request: ContactRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "question": request.question,
        "ideas": request.ideas,
        "expectations": request.expectations,
        "preferred_mode": request.preferred_mode,
        "status": request.status.value,
        "proposal": request.proposal,
        "decline_reason": request.decline_reason,
        "created_at": _iso(request.created_at),
        "answer_due_at": _iso(request.answer_due_at),
        "answered_at": _iso(request.answered_at),
        "closed_at": _iso(request.closed_at),
    }


def _mentorship(mentorship: Mentorship, side: Side) -> dict[str, Any]:
    """One mentorship seen from ``side``: shared rows, and the private forms of that side only."""
    forms: Any
    if side == Side.MENTOR:
        forms = [
            {
                "contact_number": form.contact_number,
                "offered_last": list(form.offered_last or []),
                "offered_notes": form.offered_notes,
                "offer_next": form.offer_next,
                "techniques_used": list(form.techniques_used or []),
                "techniques_notes": form.techniques_notes,
                "techniques_more": form.techniques_more,
                "mentee_needs": form.mentee_needs,
                "next_goals": form.next_goals,
                "updated_at": _iso(form.updated_at),
            }
            for form in _rows(
                select(MentorPreparation).filter_by(mentorship_id=mentorship.id),
                MentorPreparation.contact_number,
            )
        ]
    else:
        forms = [
            {
                "contact_number": form.contact_number,
                "question_next": form.question_next,
                "tried_since": form.tried_since,
                "needs": form.needs,
                "updated_at": _iso(form.updated_at),
            }
            for form in _rows(
                select(MenteePreparation).filter_by(mentorship_id=mentorship.id),
                MenteePreparation.contact_number,
            )
        ]
    evaluation = db.session.scalar(
        select(Evaluation).filter_by(mentorship_id=mentorship.id, side=side)
    )
    return {
        "id": mentorship.id,
        "side": side.value,
        "request_id": mentorship.request_id,
        "status": mentorship.status.value,
        "contacts_planned": mentorship.contacts_planned,
        "contacts_done": mentorship.contacts_done,
        "started_at": _iso(mentorship.started_at),
        "concluded_at": _iso(mentorship.concluded_at),
        "ended_at": _iso(mentorship.ended_at),
        "end_reason": mentorship.end_reason,
        "anonymised_at": _iso(mentorship.anonymised_at),
        "agreements": [
            {
                "version": row.version,
                "goals": row.goals,
                "contact_modes": list(row.contact_modes or []),
                "frequency": row.frequency,
                "other_commitments": row.other_commitments,
                "proposed_at": _iso(row.proposed_at),
                "mentee_confirmed_at": _iso(row.mentee_confirmed_at),
                "mentor_confirmed_at": _iso(row.mentor_confirmed_at),
            }
            for row in _rows(
                select(Agreement).filter_by(mentorship_id=mentorship.id), Agreement.version
            )
        ],
        "contacts": [
            {
                "number": row.number,
                "held_on": _iso(row.held_on),
                "mode": row.mode,
                "duration_minutes": row.duration_minutes,
                "logged_at": _iso(row.logged_at),
            }
            for row in _rows(
                select(ContactLog).filter_by(mentorship_id=mentorship.id), ContactLog.number
            )
        ],
        "my_preparation_forms": forms,
        "my_evaluation": (
            {
                "answers": [
                    {
                        "question": str(answer.label),
                        "key": answer.question.key,
                        "kind": answer.kind.value,
                        "answer": answer_value(answer),
                    }
                    for answer in answers_of(evaluation.id)
                ],
                "submitted_at": _iso(evaluation.submitted_at),
            }
            if evaluation is not None
            else None
        ),
    }


def _answer(answer: ReflectionAnswer) -> dict[str, Any]:
    return {
        "question": answer.question.text or answer.question.key,
        "draft_text": answer.draft_text,
        "draft_saved_at": _iso(answer.draft_saved_at),
        "is_shared_with_partner": answer.is_shared_with_partner,
        "is_shared_with_staff": answer.is_shared_with_staff,
        "submitted_at": _iso(answer.submitted_at),
        "revisions": [
            {"number": row.number, "text": row.text, "submitted_at": _iso(row.submitted_at)}
            for row in answer.revisions
        ],
    }


def _notification(notification: Notification) -> dict[str, Any]:
    emails = _rows(select(OutboxEmail).filter_by(notification_id=notification.id), OutboxEmail.id)
    return {
        "kind": notification.kind,
        "params": notification.params,
        "link": notification.link,
        "created_at": _iso(notification.created_at),
        "read_at": _iso(notification.read_at),
        "emails": [
            {
                "to_address": row.to_address,
                "subject": row.subject,
                "body": row.body,
                "status": row.status.value,
                "sent_at": _iso(row.sent_at),
            }
            for row in emails
        ],
    }


def _rows(statement: Any, order: Any) -> list[Any]:
    return list(db.session.scalars(statement.order_by(order)))


def _iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None
