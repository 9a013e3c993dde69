"""Pages of mentor designation: staff name mentors from the roster; the person answers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from ..core.auth import course_view
from ..extensions import db
from ..forms import ConfirmForm
from ..mentoring import exclusion
from ..people.models import CourseRole, Membership
from ..refusals import Refusal
from ..staff import exclusion_views
from ..staff.csv_upload import MAX_CSV_BYTES, CsvPreview, CsvRejected
from . import operations, queries
from .forms import (
    AnswerForm,
    CandidateFilterForm,
    DesignateForm,
    DesignationCsvConfirmForm,
    DesignationCsvForm,
)
from .models import DesignationStatus

bp = Blueprint("designation", __name__, url_prefix="/course/<int:course_id>")

staff_only = course_view(CourseRole.STAFF)
participants = course_view(CourseRole.LEARNER, CourseRole.MENTOR)


@bp.app_template_global()
def designation_status_label(status: str) -> str:
    """Return the translated name of a designation status."""
    labels = {
        DesignationStatus.INVITED: _("invited, no answer yet"),
        DesignationStatus.ACCEPTED: _("accepted: a mentor of the course"),
        DesignationStatus.DECLINED: _("declined"),
        DesignationStatus.WITHDRAWN: _("withdrawn"),
    }
    return labels.get(DesignationStatus(status), status)


# --- staff: name mentors -------------------------------------------------------------------


def _render_designate(
    membership: Membership,
    *,
    upload: Any = None,
    checks: list[operations.DesignationCheck] | None = None,
    status: int = 200,
) -> Any:
    filters = CandidateFilterForm(MultiDict(request.args))
    valid = filters.validate()
    search = (filters.q.data or "").strip() if valid else ""
    page = (filters.page.data or 1) if valid else 1
    return render_template(
        "designation/designate.html",
        membership=membership,
        filters=filters,
        search=search,
        candidates=queries.candidates_page(membership.course_id, search=search, page=page),
        designations=queries.designations(membership.course_id),
        form=DesignateForm(formdata=None),
        withdraw_form=ConfirmForm(formdata=None),
        upload=upload or DesignationCsvForm(formdata=None),
        refused=[check for check in checks or [] if check.error],
    ), status


@bp.get("/staff/mentors/designate")
@staff_only
def designate(membership: Membership) -> Any:
    """List the course's learners who can be named mentors, and the designations made."""
    return _render_designate(membership)


@bp.post("/staff/mentors/designate")
@staff_only
def designate_members(membership: Membership) -> Any:
    """Name the ticked people mentors, all or none; each gets an invitation."""
    if not DesignateForm().validate_on_submit():
        abort(400)
    try:
        ids = [int(value) for value in request.form.getlist("member")]
    except ValueError:
        abort(400)
    try:
        created = operations.designate_members(membership, ids)
    except CsvRejected as error:  # before the general refusal: it is one, with its rows
        db.session.rollback()
        return _render_designate(membership, checks=error.checks, status=400)
    except Refusal as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_designate(membership, status=400)
    db.session.commit()
    flash(
        ngettext(
            "%(num)d person was named a mentor and invited to complete their profile.",
            "%(num)d people were named mentors and invited to complete their profiles.",
            len(created),
        )
    )
    return redirect(url_for(".designate", course_id=membership.course_id))


@bp.post("/staff/mentors/designate/csv")
@staff_only
def preview_csv(membership: Membership) -> Any:
    """Check an uploaded list of mentors row by row; save nothing."""
    upload = DesignationCsvForm()
    if not upload.validate_on_submit():
        return _render_designate(membership, upload=upload, status=400)
    content = upload.file.data.read(MAX_CSV_BYTES + 1)
    try:
        preview = CsvPreview(operations.check_csv(membership, content))
    except CsvRejected as error:
        upload.file.errors = [*upload.file.errors, error.message or ""]
        return _render_designate(membership, upload=upload, status=400)
    confirm = DesignationCsvConfirmForm(formdata=None)
    confirm.content.data = content.decode("utf-8-sig")
    return render_template(
        "designation/csv_preview.html", membership=membership, preview=preview, confirm=confirm
    ), (200 if preview.is_clean else 400)


@bp.post("/staff/mentors/designate/csv/confirm")
@staff_only
def confirm_csv(membership: Membership) -> Any:
    """Name every person of a checked file a mentor, or nobody when any row is refused."""
    confirm = DesignationCsvConfirmForm()
    if not confirm.validate_on_submit():
        abort(400)
    try:
        created = operations.designate_from_csv(membership, confirm.content.data or "")
    except CsvRejected as error:
        db.session.rollback()
        if error.message:
            flash(error.message, "error")
            return redirect(url_for(".designate", course_id=membership.course_id))
        return render_template(
            "designation/csv_preview.html",
            membership=membership,
            preview=CsvPreview(error.checks),
            confirm=confirm,
        ), 400
    db.session.commit()
    flash(
        ngettext(
            "%(num)d person was named a mentor and invited to complete their profile.",
            "%(num)d people were named mentors and invited to complete their profiles.",
            len(created),
        )
    )
    return redirect(url_for(".designate", course_id=membership.course_id))


@bp.route("/staff/mentors/designations/<int:designation_id>/withdraw", methods=["GET", "POST"])
@staff_only
def withdraw(membership: Membership, designation_id: int) -> Any:
    """Withdraw a designation; an accepted one first shows what ends, as excluding does."""
    designation = queries.designation_in_course(membership.course_id, designation_id)
    if designation is None:
        abort(404)
    profile = queries.profile_to_remove(designation)
    form = ConfirmForm()
    if request.method == "GET":
        return _render_withdrawal(membership, designation, profile, form)
    if not form.validate_on_submit():
        abort(400)
    try:
        operations.withdraw_designation(
            membership,
            designation.id,
            handover=exclusion_views._handover_choices(profile) if profile else None,
        )
    except Refusal as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_designate(membership, status=409)
    db.session.commit()
    flash(_("The designation was withdrawn and the person was told."))
    return redirect(url_for(".designate", course_id=membership.course_id))


def _render_withdrawal(
    membership: Membership, designation: Any, profile: Any, form: ConfirmForm, status: int = 200
) -> Any:
    """The exclusion's confirmation page: what closes, and a hand-over choice per mentorship."""
    if profile is None:  # invited only, or no profile left: nothing closes
        return render_template(
            "staff/confirm_removal.html",
            membership=membership,
            kind="withdraw",
            person=designation.membership,
            profile=None,
            requests_to=[],
            running=[],
            sent=[],
            as_mentee=[],
            candidates=[],
            form=form,
        ), status
    return render_template(
        "staff/confirm_removal.html",
        membership=membership,
        kind="withdraw",
        person=designation.membership,
        profile=profile,
        requests_to=exclusion.pending_requests_to(profile),
        running=exclusion.active_mentorships_of(profile),
        sent=[],
        as_mentee=[],
        candidates=exclusion_views._candidates(profile),
        form=form,
    ), status


# --- the person: answer the invitation -----------------------------------------------------


@bp.get("/mentor-invitation")
@participants
def invitation(membership: Membership) -> Any:
    """Show the invitation to mentor, with accept and decline."""
    designation = queries.designation_of(membership)
    if designation is None:
        abort(404)
    return render_template(
        "designation/invitation.html",
        membership=membership,
        designation=designation,
        can_answer=operations.can_answer_invitation(membership, designation),
        form=AnswerForm(formdata=None),
    )


@bp.post("/mentor-invitation")
@participants
def answer(membership: Membership) -> Any:
    """Accept (then complete the profile) or decline the invitation to mentor."""
    if not AnswerForm().validate_on_submit():
        abort(400)
    choice = request.form.get("answer")
    if choice not in ("accept", "decline"):
        abort(400)
    try:
        if choice == "accept":
            operations.accept_invitation(membership)
        else:
            operations.decline_invitation(membership)
    except Refusal as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".invitation", course_id=membership.course_id))
    db.session.commit()
    if choice == "accept":
        flash(_("You are now a mentor of this course. Complete your profile so mentees find you."))
        return redirect(url_for("mentors.edit_profile", course_id=membership.course_id))
    flash(_("You declined the invitation. The course staff were told."))
    return redirect(url_for("home.index", course_id=membership.course_id))
