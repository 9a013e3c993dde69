"""Pages of the mentoring journey: requests, inbox, mentorship, preparation, ending, evaluation.

Every view parses its form, finds rows only through queries scoped to the course and the
person (a foreign id is a 404), calls one operation, commits, and redirects; a refusal of the
operation is shown beside its field and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.exceptions import Forbidden

from ..core.auth import course_view
from ..core.views import handle_http_error
from ..evaluation import operations as evaluation_operations
from ..evaluation import queries as evaluation_queries
from ..evaluation.forms import evaluation_form
from ..extensions import db
from ..models_base import utcnow
from ..people.models import CourseRole, Membership
from . import operations, queries
from .choices import CONTACT_MODES, MENTORSHIP_STATUSES, OFFER_KINDS, REQUEST_STATUSES, TECHNIQUES
from .forms import (
    AcceptForm,
    AgreementForm,
    ConcernForm,
    ConfirmForm,
    ContactForm,
    DeclineForm,
    EndEarlyForm,
    MenteePreparationForm,
    MentorPreparationForm,
    RequestForm,
)
from .models import ContactRequest, Mentorship, MentorshipStatus, RequestStatus, Side
from .operations import MentoringError, NotAllowed

bp = Blueprint("mentoring", __name__, url_prefix="/course/<int:course_id>")

PARTICIPANTS = (CourseRole.LEARNER, CourseRole.MENTOR)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "contact_mode_labels": CONTACT_MODES,
        "request_status_labels": REQUEST_STATUSES,
        "mentorship_status_labels": MENTORSHIP_STATUSES,
        "offer_kind_labels": OFFER_KINDS,
        "technique_labels": TECHNIQUES,
    }


@bp.errorhandler(NotAllowed)
def _not_allowed(error: NotAllowed) -> Any:
    db.session.rollback()
    return handle_http_error(Forbidden())


# --- requests --------------------------------------------------------------------------------


@bp.route("/requests/new/<int:mentor_id>", methods=["GET", "POST"])
@course_view(*PARTICIPANTS, requires_standards=True)
def new_request(membership: Membership, mentor_id: int) -> Any:
    """Write a contact request to a mentor (from their profile)."""
    profile = queries.requestable_profile(membership.course_id, mentor_id)
    if profile is None:
        abort(404)
    form = RequestForm()
    form.offer_modes(profile.contact_modes)
    refusal = operations.request_refusal(membership, profile)
    if refusal is None and form.validate_on_submit():
        try:
            sent = operations.send_request(
                membership,
                profile,
                question=form.question.data,
                ideas=form.ideas.data,
                expectations=form.expectations.data,
                preferred_mode=form.mode.data,
            )
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Your request was sent. The mentor will answer by the deadline shown."))
            return redirect(_request_url(sent))
    return render_template(
        "mentoring/new_request.html", form=form, profile=profile, refusal=refusal
    )


@bp.get("/requests/inbox")
@course_view(*PARTICIPANTS, requires_standards=True)
def inbox(membership: Membership) -> Any:
    """List the requests sent to the member as a mentor, waiting ones first."""
    return render_template(
        "mentoring/inbox.html",
        profile=queries.own_profile(membership),
        requests=queries.inbox(membership),
        waiting=RequestStatus.PENDING,
    )


@bp.get("/requests")
@course_view(*PARTICIPANTS, requires_standards=True)
def my_requests(membership: Membership) -> Any:
    """List the requests the member sent, with a way to withdraw those still waiting."""
    return render_template(
        "mentoring/my_requests.html",
        requests=queries.sent_requests(membership),
        withdraw_form=ConfirmForm(formdata=None),
        waiting=RequestStatus.PENDING,
    )


@bp.get("/requests/<int:request_id>")
@course_view(*PARTICIPANTS, requires_standards=True)
def request_detail(membership: Membership, request_id: int) -> Any:
    """Show a request to its mentee or its mentor, with the answers they may give."""
    return _render_request(membership, _request_or_404(membership, request_id))


@bp.post("/requests/<int:request_id>/accept")
@course_view(*PARTICIPANTS, requires_standards=True)
def accept_request(membership: Membership, request_id: int) -> Any:
    """Accept a request with a proposal; the mentorship starts."""
    contact_request = _request_or_404(membership, request_id)
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            mentorship = operations.accept_request(
                membership, contact_request, proposal=form.proposal.data
            )
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("You accepted the request. Your mentorship has started."))
            return redirect(_mentorship_url(mentorship))
    return _render_request(membership, contact_request, accept_form=form)


@bp.post("/requests/<int:request_id>/decline")
@course_view(*PARTICIPANTS, requires_standards=True)
def decline_request(membership: Membership, request_id: int) -> Any:
    """Decline a request with a reason."""
    contact_request = _request_or_404(membership, request_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            operations.decline_request(membership, contact_request, reason=form.reason.data)
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("You declined the request. The mentee has been told."))
            return redirect(url_for(".inbox", course_id=membership.course_id))
    return _render_request(membership, contact_request, decline_form=form)


@bp.post("/requests/<int:request_id>/withdraw")
@course_view(*PARTICIPANTS, requires_standards=True)
def withdraw_request(membership: Membership, request_id: int) -> Any:
    """Withdraw one's own request while it waits for an answer."""
    contact_request = _request_or_404(membership, request_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operations.withdraw_request(membership, contact_request)
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("You withdrew your request."))
            return redirect(url_for(".my_requests", course_id=membership.course_id))
    return _render_request(membership, contact_request, withdraw_form=form)


# --- mentorships -----------------------------------------------------------------------------


@bp.get("/mentorships")
@course_view(*PARTICIPANTS, requires_standards=True)
def mentorships(membership: Membership) -> Any:
    """List the member's mentorships past and present, as mentee and as mentor."""
    return render_template(
        "mentoring/mentorships.html", items=queries.mentorships_of(membership), side=Side
    )


@bp.get("/mentorships/<int:mentorship_id>")
@course_view(requires_standards=True)
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
@course_view(*PARTICIPANTS, requires_standards=True)
def propose_agreement(membership: Membership, mentorship_id: int) -> Any:
    """Propose a (new version of the) mentoring agreement."""
    found = _mentorship_or_404(membership, mentorship_id)
    form = AgreementForm()
    if form.validate_on_submit():
        try:
            operations.propose_agreement(
                membership,
                found,
                goals=form.goals.data,
                contact_modes=form.contact_modes.data,
                frequency=form.frequency.data,
                other_commitments=form.other_commitments.data,
            )
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Agreement proposed. It is in force once the other side confirms it."))
            return redirect(_mentorship_url(found, "agreement"))
    return _render_mentorship(membership, found, agreement_form=form)


@bp.post("/mentorships/<int:mentorship_id>/agreement/<int:agreement_id>/confirm")
@course_view(*PARTICIPANTS, requires_standards=True)
def confirm_agreement(membership: Membership, mentorship_id: int, agreement_id: int) -> Any:
    """Confirm the latest version of the agreement."""
    found = _mentorship_or_404(membership, mentorship_id)
    agreement = queries.agreement_of(found, agreement_id)
    if agreement is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operations.confirm_agreement(membership, agreement)
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("You confirmed the agreement."))
            return redirect(_mentorship_url(found, "agreement"))
    return _render_mentorship(membership, found, confirm_form=form)


@bp.post("/mentorships/<int:mentorship_id>/contacts")
@course_view(*PARTICIPANTS, requires_standards=True)
def log_contact(membership: Membership, mentorship_id: int) -> Any:
    """Log a contact the pair held."""
    found = _mentorship_or_404(membership, mentorship_id)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            contact = operations.log_contact(
                membership,
                found,
                held_on=form.held_on.data,
                mode=form.mode.data,
                duration_minutes=form.duration_minutes.data,
            )
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Contact %(number)s logged.", number=contact.number))
            return redirect(_mentorship_url(found, "contacts"))
    return _render_mentorship(membership, found, contact_form=form)


@bp.route("/mentorships/<int:mentorship_id>/contacts/<int:number>", methods=["GET", "POST"])
@course_view(*PARTICIPANTS, requires_standards=True)
def preparation(membership: Membership, mentorship_id: int, number: int) -> Any:
    """Prepare and follow up one contact: one's own form, and the other side's to read."""
    found = _mentorship_or_404(membership, mentorship_id)
    record = queries.mentorship_record(membership, found)
    if record is None or number not in record.preparable_numbers:
        abort(404)
    if record.side == Side.MENTOR:
        mine: Any = record.mentor_preparations.get(number)
        form: FlaskForm = MentorPreparationForm(obj=mine)
        save: Any = operations.save_mentor_preparation
    else:
        mine = record.mentee_preparations.get(number)
        form = MenteePreparationForm(obj=mine)
        save = operations.save_mentee_preparation
    if form.validate_on_submit():
        values = {name: value for name, value in form.data.items() if name != "csrf_token"}
        try:
            save(membership, found, number, **values)
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Your form for contact %(number)s is saved.", number=number))
            return redirect(_mentorship_url(found, "preparation"))
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
@course_view(*PARTICIPANTS, requires_standards=True)
def end_early(membership: Membership, mentorship_id: int) -> Any:
    """End a mentorship early, after a talk, with a reason."""
    found = _mentorship_or_404(membership, mentorship_id)
    form = EndEarlyForm()
    if found.status == MentorshipStatus.ACTIVE and form.validate_on_submit():
        try:
            operations.end_mentorship_early(
                membership,
                found,
                reason=form.reason.data,
                talked_it_over=form.talked_it_over.data,
            )
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("The mentorship has ended. Please evaluate it."))
            return redirect(
                url_for(".evaluation", course_id=found.course_id, mentorship_id=found.id)
            )
    return render_template(
        "mentoring/end_early.html",
        record=queries.mentorship_record(membership, found),
        form=form,
        is_active=found.status == MentorshipStatus.ACTIVE,
    )


@bp.route("/mentorships/<int:mentorship_id>/evaluation", methods=["GET", "POST"])
@course_view(*PARTICIPANTS, requires_standards=True)
def evaluation(membership: Membership, mentorship_id: int) -> Any:
    """Evaluate the process and the results once the mentorship has ended."""
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
    if record.can_evaluate and form.validate_on_submit():
        answers = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            operations.submit_evaluation(membership, found, **answers)
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Thank you: your evaluation is saved."))
            return redirect(_mentorship_url(found, "ending"))
    mine = record.my_evaluation
    return render_template(
        "mentoring/evaluation.html",
        record=record,
        form=form,
        answers=evaluation_queries.answers_of(mine.id) if mine is not None else [],
        side=Side,
    )


# --- concerns --------------------------------------------------------------------------------


@bp.route("/concerns/new", methods=["GET", "POST"])
@course_view(*PARTICIPANTS, requires_standards=True)
def report_concern(membership: Membership) -> Any:
    """Report a concern, about a mentorship or a person, confidentially to the course staff."""
    items = queries.mentorships_of(membership)
    people = {person.id: person for person in queries.concern_people(membership)}
    form = ConcernForm()
    form.offer(
        [
            (item.mentorship.id, _("Mentorship with %(name)s", name=_name(item.other)))
            for item in items
        ],
        [(person.id, _name(person)) for person in people.values()],
    )
    if request.method == "GET":
        form.mentorship.data = request.args.get("mentorship", 0, type=int)
    if form.validate_on_submit():
        chosen = {item.mentorship.id: item.mentorship for item in items}
        try:
            operations.report_concern(
                membership,
                text=form.text.data,
                mentorship=chosen.get(form.mentorship.data),
                about=people.get(form.about.data),
            )
        except MentoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Your concern was sent to the course staff. Only they can read it."))
            return redirect(url_for(".mentorships", course_id=membership.course_id))
    return render_template("mentoring/concern.html", form=form)


# --- helpers ---------------------------------------------------------------------------------


def _refuse(form: FlaskForm, error: MentoringError) -> None:
    """Undo anything the refused operation did, and show its message beside its field."""
    db.session.rollback()
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _request_or_404(membership: Membership, request_id: int) -> ContactRequest:
    found = queries.request_for_member(membership, request_id)
    if found is None:
        abort(404)
    return found


def _mentorship_or_404(membership: Membership, mentorship_id: int) -> Mentorship:
    found = queries.mentorship_for_member(membership, mentorship_id)
    if found is None:
        abort(404)
    return found


def _render_request(
    membership: Membership,
    contact_request: ContactRequest,
    *,
    accept_form: FlaskForm | None = None,
    decline_form: FlaskForm | None = None,
    withdraw_form: FlaskForm | None = None,
) -> Any:
    is_mentor = contact_request.mentor.membership_id == membership.id
    is_waiting = contact_request.status == RequestStatus.PENDING
    return render_template(
        "mentoring/request.html",
        contact_request=contact_request,
        is_mentor=is_mentor,
        can_answer=is_mentor and is_waiting,
        can_withdraw=not is_mentor and is_waiting,
        accept_form=accept_form or AcceptForm(formdata=None),
        decline_form=decline_form or DeclineForm(formdata=None),
        withdraw_form=withdraw_form or ConfirmForm(formdata=None),
        mentorship=queries.mentorship_of_request(contact_request),
    )


def _render_mentorship(
    membership: Membership,
    found: Mentorship,
    *,
    agreement_form: AgreementForm | None = None,
    confirm_form: FlaskForm | None = None,
    contact_form: ContactForm | None = None,
) -> Any:
    record = queries.mentorship_record(membership, found)
    if record is None:
        abort(404)
    if agreement_form is None:
        current = record.agreement
        agreement_form = AgreementForm(formdata=None, obj=current)
    if contact_form is None:
        contact_form = ContactForm(formdata=None, held_on=utcnow().date(), duration_minutes=60)
    return render_template(
        "mentoring/mentorship.html",
        record=record,
        agreement_form=agreement_form,
        confirm_form=confirm_form or ConfirmForm(formdata=None),
        contact_form=contact_form,
        side=Side,
        status=MentorshipStatus,
    )


def _name(person: Membership) -> str:
    return person.user.display_name or _("A participant")


def _request_url(contact_request: ContactRequest) -> str:
    return url_for(
        ".request_detail", course_id=contact_request.course_id, request_id=contact_request.id
    )


def _mentorship_url(found: Mentorship, anchor: str | None = None) -> str:
    return url_for(".mentorship", course_id=found.course_id, mentorship_id=found.id, _anchor=anchor)
