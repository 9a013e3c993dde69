"""Staff pages that take people out of the programme (standard 1), each after a confirmation:
excluding a mentor, barring a participant (and lifting it), ending a mentorship.

Each GET shows what will happen and asks once more; the POST re-checks everything in the
operation (:mod:`lti_tool.mentoring.exclusion`), commits and redirects.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..forms import ConfirmForm
from ..mentoring import exclusion
from ..mentoring.models import Mentorship, MentorshipStatus
from ..mentoring.rules import (
    AlreadyDone,
)
from ..mentors.models import MentorProfile, MentorStatus
from ..people.models import CourseRole, Membership
from ..refusals import Refusal
from .views import bp, staff_only


def _profile_or_404(membership: Membership, profile_id: int) -> MentorProfile:
    found = db.session.scalar(
        select(MentorProfile).filter_by(id=profile_id, course_id=membership.course_id)
    )
    if found is None:
        abort(404)
    return found


def _member_or_404(membership: Membership, member_id: int) -> Membership:
    found = db.session.scalar(
        select(Membership).filter_by(id=member_id, course_id=membership.course_id)
    )
    if found is None or found.role == CourseRole.STAFF:
        abort(404)
    return found


def _candidates(profile: MentorProfile) -> list[MentorProfile]:
    """Mentors who could take over this mentor's mentees (the operation checks again)."""
    return [
        other
        for other in db.session.scalars(
            select(MentorProfile)
            .filter_by(course_id=profile.course_id, status=MentorStatus.APPROVED)
            .order_by(MentorProfile.id)
        )
        if other.id != profile.id
        and other.membership.is_active
        and other.membership.barred_at is None
        and other.active_mentorships < other.capacity
    ]


def _handover_choices(profile: MentorProfile | None) -> dict[int, MentorProfile | None]:
    """Read each mentorship's choice from the form: a mentor's id, or "" to end it."""
    if profile is None:
        return {}
    candidates = {other.id: other for other in _candidates(profile)}
    choices: dict[int, MentorProfile | None] = {}
    for mentorship in exclusion.active_mentorships_of(profile):
        value = request.form.get(f"handover-{mentorship.id}", "")
        if value == "":
            choices[mentorship.id] = None
        elif value.isdigit() and int(value) in candidates:
            choices[mentorship.id] = candidates[int(value)]
        else:
            abort(400)
    return choices


def _render_removal(
    membership: Membership,
    *,
    kind: str,
    person: Membership,
    profile: MentorProfile | None,
    form: ConfirmForm,
    status: int = 200,
) -> Any:
    requests_to = exclusion.pending_requests_to(profile) if profile is not None else []
    running = exclusion.active_mentorships_of(profile) if profile is not None else []
    sent = exclusion.pending_requests_from(person) if kind == "bar" else []
    as_mentee = exclusion.active_mentorships_as_mentee(person) if kind == "bar" else []
    page = render_template(
        "staff/confirm_removal.html",
        membership=membership,
        kind=kind,
        person=person,
        profile=profile,
        requests_to=requests_to,
        running=running,
        sent=sent,
        as_mentee=as_mentee,
        candidates=_candidates(profile) if profile is not None else [],
        form=form,
    )
    return page, status


@bp.route("/mentors/<int:profile_id>/exclude", methods=["GET", "POST"])
@staff_only
def exclude_mentor(membership: Membership, profile_id: int) -> Any:
    """Exclude a mentor after confirming what happens to their requests and mentorships."""
    profile = _profile_or_404(membership, profile_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            exclusion.remove_mentor_from_programme(
                profile.membership, by=membership, handover=_handover_choices(profile)
            )
        except AlreadyDone as done:
            db.session.rollback()
            flash(done.message)
        except Refusal as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            person = profile.membership
            return _render_removal(
                membership, kind="exclude", person=person, profile=profile, form=form, status=400
            )
        else:
            db.session.commit()
            flash(_("The mentor is excluded from the programme."))
        return redirect(url_for("mentors.pool", course_id=membership.course_id))
    return _render_removal(
        membership, kind="exclude", person=profile.membership, profile=profile, form=form
    )


@bp.route("/people/<int:member_id>/bar", methods=["GET", "POST"])
@staff_only
def bar_participant(membership: Membership, member_id: int) -> Any:
    """Bar a participant from the programme after confirming what happens (no reason owed)."""
    person = _member_or_404(membership, member_id)
    profile = db.session.scalar(select(MentorProfile).filter_by(membership_id=person.id))
    if profile is not None and profile.status == MentorStatus.EXCLUDED:
        profile = None
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            exclusion.bar_participant(membership, person, handover=_handover_choices(profile))
        except AlreadyDone as done:
            db.session.rollback()
            flash(done.message)
        except Refusal as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _render_removal(
                membership, kind="bar", person=person, profile=profile, form=form, status=400
            )
        else:
            db.session.commit()
            flash(_("The person is barred from the programme."))
        return redirect(
            url_for(".bar_participant", course_id=membership.course_id, member_id=person.id)
        )
    return _render_removal(membership, kind="bar", person=person, profile=profile, form=form)


@bp.post("/people/<int:member_id>/lift-bar")
@staff_only
def lift_bar(membership: Membership, member_id: int) -> Any:
    """Let a barred person take part in the programme again."""
    person = _member_or_404(membership, member_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        exclusion.lift_bar(membership, person)
    except AlreadyDone as done:
        db.session.rollback()
        flash(done.message)
    else:
        db.session.commit()
        flash(_("The person may take part in the programme again."))
    return redirect(
        url_for(".bar_participant", course_id=membership.course_id, member_id=person.id)
    )


@bp.route("/mentorships/<int:mentorship_id>/end", methods=["GET", "POST"])
@staff_only
def end_mentorship(membership: Membership, mentorship_id: int) -> Any:
    """End a mentorship in progress as staff, after confirming ("ended by the programme")."""
    found = db.session.scalar(
        select(Mentorship).filter_by(id=mentorship_id, course_id=membership.course_id)
    )
    if found is None:
        abort(404)
    form = ConfirmForm()
    target = url_for("mentoring.mentorship", course_id=membership.course_id, mentorship_id=found.id)
    if form.validate_on_submit():
        try:
            exclusion.end_mentorship_by_staff(membership, found)
        except Refusal as error:  # already ended (a double click) or concluded
            db.session.rollback()
            flash(error.message)
        else:
            db.session.commit()
            flash(_("The mentorship has ended. Both people were told."))
        return redirect(target)
    return render_template(
        "staff/confirm_end.html",
        membership=membership,
        mentorship=found,
        is_active=found.status == MentorshipStatus.ACTIVE,
        form=form,
        back=target,
    )
