"""Pages of a mentorship (§4.4–§4.6): the agreement, contacts, preparation, ending, evaluation.

The routes belong to the journey's blueprint (:mod:`.views`); the same rules hold: parse, find
rows scoped to the person, call one operation, commit, redirect.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..evaluation import operations as evaluation_operations
from ..evaluation import queries as evaluation_queries
from ..evaluation.forms import evaluation_form
from ..extensions import db
from ..forms import ConfirmForm
from ..people.models import CourseRole, Membership, Side
from ..programme.access import participant_view
from . import agreements, queries
from . import mentorships as mentorship_ops
from .forms import (
    AgreementForm,
    CloseForm,
    ContactForm,
    EndEarlyForm,
    MenteePreparationForm,
    MentorPreparationForm,
)
from .models import MentorshipStatus
from .views import (
    PARTICIPANTS,
    _evaluation_url,
    _mentorship_or_404,
    _mentorship_url,
    _render_mentorship,
    act,
    bp,
)

# --- mentorships -----------------------------------------------------------------------------


@bp.get("/mentorships")
@participant_view(*PARTICIPANTS)
def mentorships(membership: Membership) -> Any:
    """List the member's mentorships past and present, as mentee and as mentor."""
    return render_template(
        "mentoring/mentorships.html", items=queries.mentorships_of(membership), side=Side
    )


@bp.get("/mentorships/<int:mentorship_id>")
@participant_view()
def mentorship(membership: Membership, mentorship_id: int) -> Any:
    """Show a mentorship: everything to its members, only its progress to course staff."""
    if membership.role == CourseRole.STAFF:
        found = queries.mentorship_in_course(membership.course_id, mentorship_id)
        progress = queries.staff_progress(membership, found) if found is not None else None
        if progress is None:
            abort(404)
        return render_template("mentoring/mentorship_staff.html", progress=progress, side=Side)
    return _render_mentorship(membership, _mentorship_or_404(membership, mentorship_id))


@bp.post("/mentorships/<int:mentorship_id>/agreement")
@participant_view(*PARTICIPANTS)
def propose_agreement(membership: Membership, mentorship_id: int) -> Any:
    """Propose a (new version of the) mentoring agreement."""
    found = _mentorship_or_404(membership, mentorship_id)
    form = AgreementForm()
    return act(
        form,
        lambda: agreements.propose_agreement(
            membership,
            found,
            goals=form.goals.data,
            contact_modes=form.contact_modes.data,
            frequency=form.frequency.data,
            other_commitments=form.other_commitments.data,
        ),
        then=_mentorship_url(found, "agreement"),
        message=_("Agreement proposed. It is in force once the other side confirms it."),
    ) or _render_mentorship(membership, found, agreement_form=form)


@bp.post("/mentorships/<int:mentorship_id>/agreement/<int:agreement_id>/confirm")
@participant_view(*PARTICIPANTS)
def confirm_agreement(membership: Membership, mentorship_id: int, agreement_id: int) -> Any:
    """Confirm the latest version of the agreement."""
    found = _mentorship_or_404(membership, mentorship_id)
    agreement = queries.agreement_of(found, agreement_id)
    if agreement is None:
        abort(404)
    form = ConfirmForm()
    return act(
        form,
        lambda: agreements.confirm_agreement(membership, agreement),
        then=_mentorship_url(found, "agreement"),
        message=_("You confirmed the agreement."),
    ) or _render_mentorship(membership, found, confirm_form=form)


@bp.post("/mentorships/<int:mentorship_id>/contacts")
@participant_view(*PARTICIPANTS)
def log_contact(membership: Membership, mentorship_id: int) -> Any:
    """Log a contact the pair held."""
    found = _mentorship_or_404(membership, mentorship_id)
    form = ContactForm()
    form.mentorship = found
    return act(
        form,
        lambda: mentorship_ops.log_contact(
            membership,
            found,
            held_on=form.held_on.data,
            mode=form.mode.data,
            duration_minutes=form.duration_minutes.data,
        ),
        then=_mentorship_url(found, "contacts"),
        message=lambda contact: (
            _("Contact %(number)s confirmed.", number=contact.number)
            if contact.confirmed_by_id == membership.id
            else _("Contact %(number)s logged.", number=contact.number)
        ),
    ) or _render_mentorship(membership, found, contact_form=form)


@bp.route("/mentorships/<int:mentorship_id>/contacts/<int:number>", methods=["GET", "POST"])
@participant_view(*PARTICIPANTS)
def preparation(membership: Membership, mentorship_id: int, number: int) -> Any:
    """Prepare and follow up one contact: one's own form, and the other side's to read."""
    found = _mentorship_or_404(membership, mentorship_id)
    record = queries.mentorship_record(membership, found)
    if record is None or number not in record.preparable_numbers:
        abort(404)
    if record.side == Side.MENTOR:
        mine: Any = record.mentor_preparations.get(number)
        form: FlaskForm = MentorPreparationForm(obj=mine)
        save: Any = agreements.save_mentor_preparation
    else:
        mine = record.mentee_preparations.get(number)
        form = MenteePreparationForm(obj=mine)
        save = agreements.save_mentee_preparation
    values = {name: value for name, value in form.data.items() if name != "csrf_token"}
    done = act(
        form,
        lambda: save(membership, found, number, **values),
        then=_mentorship_url(found, "preparation"),
        message=_("Your form for contact %(number)s is saved.", number=number),
    )
    if done is not None:
        return done
    return render_template(
        "mentoring/preparation.html",
        record=record,
        number=number,
        form=form,
        mentor_preparation=record.mentor_preparations.get(number),
        mentee_preparation=record.mentee_preparations.get(number),
        side=Side,
    )


@bp.route("/mentorships/<int:mentorship_id>/end", methods=["GET", "POST"])
@participant_view(*PARTICIPANTS)
def end_early(membership: Membership, mentorship_id: int) -> Any:
    """End a mentorship early, after a talk, with a reason."""
    found = _mentorship_or_404(membership, mentorship_id)
    form = EndEarlyForm()
    done = act(
        form,
        lambda: mentorship_ops.end_mentorship_early(
            membership, found, reason=form.reason.data, talked_it_over=form.talked_it_over.data
        ),
        then=_evaluation_url(found),
        message=_("The mentorship has ended. Please evaluate it."),
    )
    if done is not None:
        return done
    return render_template(
        "mentoring/end_early.html",
        record=queries.mentorship_record(membership, found),
        form=form,
        is_active=found.status == MentorshipStatus.ACTIVE,
    )


@bp.route("/mentorships/<int:mentorship_id>/evaluation", methods=["GET", "POST"])
@participant_view(*PARTICIPANTS)
def evaluation(membership: Membership, mentorship_id: int) -> Any:
    """Evaluate the process and the results once the mentorship has ended (the course's
    configured questions, §2)."""
    found = _mentorship_or_404(membership, mentorship_id)
    questions = evaluation_operations.asked_questions(found.course_id)
    if not questions:  # a course whose questions were never needed yet gets the seed's
        evaluation_operations.ensure_default_questions(found.course_id)
        db.session.commit()
        questions = evaluation_operations.asked_questions(found.course_id)
    record = queries.mentorship_record(membership, found)
    if record is None:
        abort(404)
    form = evaluation_form(questions)
    answers = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    done = act(
        form,
        lambda: mentorship_ops.submit_evaluation(membership, found, **answers),
        then=_mentorship_url(found, "ending"),
        message=_("Thank you: your evaluation is saved."),
    )
    if done is not None:
        return done
    mine = record.my_evaluation
    return render_template(
        "mentoring/evaluation.html",
        record=record,
        form=form,
        answers=evaluation_queries.answers_of(mine.id) if mine is not None else [],
        side=Side,
    )


@bp.post("/mentorships/<int:mentorship_id>/contacts/<int:number>/confirm")
@participant_view(*PARTICIPANTS)
def confirm_contact(membership: Membership, mentorship_id: int, number: int) -> Any:
    """Confirm a contact the other side logged, as they logged it."""
    found = _mentorship_or_404(membership, mentorship_id)
    contact = queries.contact_of(found, number)
    if contact is None:
        abort(404)
    form = ConfirmForm()
    return act(
        form,
        lambda: mentorship_ops.confirm_contact(membership, found, contact),
        then=_mentorship_url(found, "contacts"),
        message=_("Contact %(number)s confirmed.", number=number),
    ) or (_render_mentorship(membership, found, confirm_form=form), 400)


@bp.post("/mentorships/<int:mentorship_id>/close")
@participant_view(*PARTICIPANTS)
def close_continuation(membership: Membership, mentorship_id: int) -> Any:
    """Close a concluded mentorship the pair continued: nothing more is logged."""
    found = _mentorship_or_404(membership, mentorship_id)
    form = CloseForm()
    return act(
        form,
        lambda: mentorship_ops.close_continuation(membership, found, note=form.note.data),
        then=_mentorship_url(found, "ending"),
        message=_("The mentorship is closed. Thank you both."),
    ) or (_render_mentorship(membership, found, close_form=form), 400)
