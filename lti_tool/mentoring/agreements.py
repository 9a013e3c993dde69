"""What the pair writes down (§4.4–§4.5): the agreement and the preparation forms."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit import record_event
from ..extensions import db
from ..gradebook.operations import queue_completion_scores
from ..models_base import utcnow
from ..notifications.operations import notify
from ..people.models import Membership, Side
from ..refusals import NotAllowed, Refusal
from ..text import clean_text
from .choices import CONTACT_MODES, OFFER_KINDS, TECHNIQUES
from .models import Agreement, MenteePreparation, MentorPreparation, Mentorship
from .rules import (
    MAX_FREQUENCY,
    AlreadyDone,
    clean_choices,
    lock,
    mentorship_path,
    name_for,
    other_member,
    require_not_ended_early,
    require_preparable,
    require_side,
)

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
    side = require_side(member, mentorship)
    lock(mentorship)
    require_not_ended_early(mentorship)
    goals = clean_text(goals, "goals", required=True)
    frequency = clean_text(frequency, "frequency", required=True, limit=MAX_FREQUENCY)
    other_commitments = clean_text(other_commitments, "other_commitments", required=False)
    modes = clean_choices(contact_modes, CONTACT_MODES, "contact_modes")
    if not modes:
        raise Refusal(_("Choose at least one form of contact."), "contact_modes")
    current = db.session.scalar(
        select(Agreement)
        .filter_by(mentorship_id=mentorship.id)
        .order_by(Agreement.version.desc())
        .limit(1)
    )
    if (
        current is not None
        and current.proposed_by_id == member.id
        and (
            current.goals,
            current.contact_modes,
            current.frequency,
            current.other_commitments,
        )
        == (goals, modes, frequency, other_commitments)
    ):
        raise AlreadyDone(_("You had already proposed this agreement."), current)
    latest = current.version if current is not None else None
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
    stamp_confirmation(agreement, side, now)
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
    other = other_member(mentorship, side)
    notify(
        other,
        "agreement_proposed",
        link=mentorship_path(mentorship),
        author=name_for(member, other),
        version=agreement.version,
    )
    return agreement


def confirm_agreement(member: Membership, agreement: Agreement) -> Agreement:
    """Confirm the latest version of the agreement from one's own side."""
    mentorship = db.session.get(Mentorship, agreement.mentorship_id)
    if mentorship is None:
        raise NotAllowed("agreement without a mentorship")
    side = require_side(member, mentorship)
    lock(mentorship)
    require_not_ended_early(mentorship)
    latest = db.session.scalar(
        select(func.max(Agreement.version)).filter_by(mentorship_id=mentorship.id)
    )
    if agreement.version != latest:
        raise Refusal(_("A newer version of the agreement exists: confirm that one."))
    confirmed_at = (
        agreement.mentee_confirmed_at if side == Side.MENTEE else agreement.mentor_confirmed_at
    )
    if confirmed_at is not None:
        raise AlreadyDone(_("You have already confirmed this version of the agreement."), agreement)
    stamp_confirmation(agreement, side, utcnow())
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
                link=mentorship_path(mentorship),
                other=name_for(other, recipient),
                version=agreement.version,
            )
    return agreement


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
    if require_side(mentor, mentorship) != Side.MENTOR:
        raise NotAllowed("only the mentor fills the mentor's preparation form")
    lock(mentorship)
    require_preparable(mentorship, contact_number)
    values = {
        "offered_last": clean_choices(offered_last, OFFER_KINDS, "offered_last"),
        "offered_notes": clean_text(offered_notes, "offered_notes", required=False),
        "offer_next": clean_text(offer_next, "offer_next", required=False),
        "techniques_used": clean_choices(techniques_used, TECHNIQUES, "techniques_used"),
        "techniques_notes": clean_text(techniques_notes, "techniques_notes", required=False),
        "techniques_more": clean_text(techniques_more, "techniques_more", required=False),
        "mentee_needs": clean_text(mentee_needs, "mentee_needs", required=False),
        "next_goals": clean_text(next_goals, "next_goals", required=False),
    }
    preparation = upsert_form(MentorPreparation, mentorship, contact_number, values)
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
    if require_side(mentee, mentorship) != Side.MENTEE:
        raise NotAllowed("only the mentee fills the mentee's preparation form")
    lock(mentorship)
    require_preparable(mentorship, contact_number)
    values = {
        "question_next": clean_text(question_next, "question_next", required=False),
        "tried_since": clean_text(tried_since, "tried_since", required=False),
        "needs": clean_text(needs, "needs", required=False),
    }
    preparation = upsert_form(MenteePreparation, mentorship, contact_number, values)
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


def stamp_confirmation(agreement: Agreement, side: Side, moment: datetime) -> None:
    if side == Side.MENTEE:
        agreement.mentee_confirmed_at = moment
    else:
        agreement.mentor_confirmed_at = moment


def upsert_form(
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
