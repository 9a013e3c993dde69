"""Pages of the mentoring journey: requests, inbox, mentorship, preparation, ending, evaluation.

Every view parses its form, finds rows only through queries scoped to the course and the
person (a foreign id is a 404), calls one operation, commits, and redirects; a refusal of the
operation is shown beside its field and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..extensions import db
from ..forms import ConfirmForm
from ..models_base import utcnow
from ..people.models import CourseRole, Membership, Side
from ..programme.access import participant_view
from ..refusals import Refusal, apply_refusal
from . import queries, requests
from .choices import CONTACT_MODES, MENTORSHIP_STATUSES, OFFER_KINDS, REQUEST_STATUSES, TECHNIQUES
from .forms import (
    AcceptForm,
    AgreementForm,
    CloseForm,
    ContactForm,
    DeclineForm,
    RequestForm,
)
from .models import ContactRequest, Mentorship, MentorshipStatus, RequestStatus
from .rules import AlreadyDone, contact_dates

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


# --- requests --------------------------------------------------------------------------------


@bp.route("/requests/new/<int:mentor_id>", methods=["GET", "POST"])
@participant_view(*PARTICIPANTS)
def new_request(membership: Membership, mentor_id: int) -> Any:
    """Write a contact request to a mentor (from their profile)."""
    profile = queries.requestable_profile(membership.course_id, mentor_id)
    if profile is None:
        abort(404)
    form = RequestForm()
    form.offer_modes(profile.contact_modes)
    done = act(
        form,
        lambda: requests.send_request(
            membership,
            profile,
            question=form.question.data,
            ideas=form.ideas.data,
            expectations=form.expectations.data,
            preferred_mode=form.mode.data,
        ),
        then=_request_url,
        message=_("Your request was sent. The mentor will answer by the deadline shown."),
    )
    if done is not None:
        return done
    refusal = requests.request_refusal(membership, profile)
    return render_template(
        "mentoring/new_request.html", form=form, profile=profile, refusal=refusal
    )


@bp.get("/requests/inbox")
@participant_view(*PARTICIPANTS)
def inbox(membership: Membership) -> Any:
    """List the requests sent to the member as a mentor, waiting ones first."""
    return render_template(
        "mentoring/inbox.html",
        profile=queries.own_profile(membership),
        requests=queries.inbox(membership),
        waiting=RequestStatus.PENDING,
    )


@bp.get("/requests")
@participant_view(*PARTICIPANTS)
def my_requests(membership: Membership) -> Any:
    """List the requests the member sent, with a way to withdraw those still waiting."""
    return render_template(
        "mentoring/my_requests.html",
        requests=queries.sent_requests(membership),
        withdraw_form=ConfirmForm(formdata=None),
        waiting=RequestStatus.PENDING,
    )


@bp.get("/requests/<int:request_id>")
@participant_view(*PARTICIPANTS)
def request_detail(membership: Membership, request_id: int) -> Any:
    """Show a request to its mentee or its mentor, with the answers they may give."""
    return _render_request(membership, _request_or_404(membership, request_id))


@bp.post("/requests/<int:request_id>/accept")
@participant_view(*PARTICIPANTS)
def accept_request(membership: Membership, request_id: int) -> Any:
    """Accept a request with a proposal; the mentorship starts."""
    contact_request = _request_or_404(membership, request_id)
    form = AcceptForm()
    return act(
        form,
        lambda: requests.accept_request(membership, contact_request, proposal=form.proposal.data),
        then=_mentorship_url,
        message=_("You accepted the request. Your mentorship has started."),
    ) or _render_request(membership, contact_request, accept_form=form)


@bp.post("/requests/<int:request_id>/decline")
@participant_view(*PARTICIPANTS)
def decline_request(membership: Membership, request_id: int) -> Any:
    """Decline a request with a reason."""
    contact_request = _request_or_404(membership, request_id)
    form = DeclineForm()
    return act(
        form,
        lambda: requests.decline_request(membership, contact_request, reason=form.reason.data),
        then=url_for(".inbox", course_id=membership.course_id),
        message=_("You declined the request. The mentee has been told."),
    ) or _render_request(membership, contact_request, decline_form=form)


@bp.post("/requests/<int:request_id>/withdraw")
@participant_view(*PARTICIPANTS)
def withdraw_request(membership: Membership, request_id: int) -> Any:
    """Withdraw one's own request while it waits for an answer."""
    contact_request = _request_or_404(membership, request_id)
    form = ConfirmForm()
    return act(
        form,
        lambda: requests.withdraw_request(membership, contact_request),
        then=url_for(".my_requests", course_id=membership.course_id),
        message=_("You withdrew your request."),
    ) or _render_request(membership, contact_request, withdraw_form=form)


# --- helpers ---------------------------------------------------------------------------------


def act(
    form: FlaskForm,
    operation: Callable[[], Any],
    *,
    then: str | Callable[[Any], str],
    message: str | Callable[[Any], str],
) -> Any | None:
    """The one way a journey form acts: a valid form runs ``operation``, commits, says
    ``message`` and redirects to ``then`` (given the operation's result). A form sent again (a
    double click) is answered with the first result and a neutral message; a refusal is undone
    and shown beside its field, and ``None`` tells the view to render the form again."""
    if not form.validate_on_submit():
        return None
    try:
        result = operation()
    except AlreadyDone as done:
        db.session.rollback()
        flash(done.message)
        return redirect(then(done.outcome) if callable(then) else then)
    except Refusal as error:
        db.session.rollback()
        apply_refusal(form, error)
        return None
    db.session.commit()
    flash(message(result) if callable(message) else message)
    return redirect(then(result) if callable(then) else then)


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
    close_form: CloseForm | None = None,
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
        close_form=close_form or CloseForm(formdata=None),
        contact_dates=contact_dates(found),
        side=Side,
        status=MentorshipStatus,
    )


def display_name(person: Membership) -> str:
    return person.user.display_name or _("A participant")


def _request_url(contact_request: ContactRequest) -> str:
    return url_for(
        ".request_detail", course_id=contact_request.course_id, request_id=contact_request.id
    )


def _evaluation_url(found: Mentorship) -> str:
    return url_for(".evaluation", course_id=found.course_id, mentorship_id=found.id)


def _mentorship_url(found: Mentorship, anchor: str | None = None) -> str:
    return url_for(".mentorship", course_id=found.course_id, mentorship_id=found.id, _anchor=anchor)
