"""Staff pages: dashboard, roster sync, assignment (by hand, CSV, matching), exports, concerns."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from ..concerns import operations as concern_ops
from ..concerns.models import ConcernStatus
from ..core.auth import course_view
from ..extensions import db
from ..lti.services import HINTS, Problem
from ..people.models import CourseRole, Membership
from ..programme.operations import programme_for
from ..refusals import Refusal
from . import assignment, charts, exports, queries
from . import roster as roster_sync
from .forms import (
    STATE_LABELS,
    AssignForm,
    CloseConcernForm,
    ConcernActionForm,
    CsvConfirmForm,
    CsvUploadForm,
    DashboardFilterForm,
    SyncForm,
)
from .queries import LearnerState

bp = Blueprint("staff", __name__, url_prefix="/course/<int:course_id>/staff")

staff_only = course_view(CourseRole.STAFF)


@bp.app_template_global()
def sync_hint(problem: str | None) -> Any:
    """Return the explanation of a failed roster sync."""
    try:
        return HINTS[Problem(problem)]
    except ValueError:
        return ""


# --- dashboard -----------------------------------------------------------------------------


@bp.get("/")
@staff_only
def dashboard(membership: Membership) -> Any:
    """Show the cohort at a glance: states, lists, attention points, charts (link_id ignored)."""
    form = DashboardFilterForm(MultiDict(request.args))
    valid = form.validate()
    state = LearnerState(form.state.data) if valid and form.state.data else None
    search = (form.q.data or "") if valid else ""
    page = (form.page.data or 1) if valid else 1
    roster_sync.queue_first_roster_sync(membership)
    programme = programme_for(membership.course)
    db.session.commit()  # before loading: what is rendered is never expired and reloaded
    data = queries.dashboard(membership.course_id, state=state, search=search, page=page)
    return render_template(
        "staff/dashboard.html",
        membership=membership,
        data=data,
        form=form,
        state=state,
        search=search,
        state_labels=STATE_LABELS,
        progress_chart=charts.progress_chart(data.weeks),
        evaluation_chart=charts.evaluation_chart(data.evaluation_questions),
        show_scores=programme.staff_see_evaluation_scores,
        sync_form=SyncForm(formdata=None),
    )


# --- exports -------------------------------------------------------------------------------


def _csv_response(body: Any, name: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/export/progress.csv")
@staff_only
def export_progress(membership: Membership) -> Response:
    """Download the cohort's progress as CSV (states, counts, dates; no private text)."""
    rows = list(queries.progress_rows(membership.course_id))
    return _csv_response(exports.progress_csv(rows), f"progress-course-{membership.course_id}.csv")


@bp.get("/export/evaluations.csv")
@staff_only
def export_evaluations(membership: Membership) -> Response:
    """Download the averaged evaluations of each side as CSV (never one person's answers)."""
    programme = programme_for(membership.course)
    averages = queries.evaluation_averages(membership.course_id)
    questions = queries.evaluation_question_averages(membership.course_id)
    body = exports.evaluations_csv(
        averages, questions, with_scores=programme.staff_see_evaluation_scores
    )
    db.session.commit()
    return _csv_response(body, f"evaluations-course-{membership.course_id}.csv")


# --- roster sync ---------------------------------------------------------------------------


@bp.get("/roster")
@staff_only
def roster(membership: Membership) -> Any:
    """Show the latest roster sync and offer to run one."""
    return render_template(
        "staff/roster.html",
        membership=membership,
        sync=queries.latest_sync(membership.course_id),
        has_nrps=bool(membership.course.nrps_url),
        sync_form=SyncForm(formdata=None),
    )


@bp.post("/roster/sync")
@staff_only
def start_sync(membership: Membership) -> Any:
    """Start a roster sync (or continue the one in progress) and show its progress."""
    if not SyncForm().validate_on_submit():
        abort(400)
    try:
        roster_sync.start_roster_sync(membership)
    except Refusal as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".roster", course_id=membership.course_id))
    db.session.commit()
    return redirect(url_for(".roster", course_id=membership.course_id))


@bp.post("/roster/sync/<int:sync_id>/continue")
@staff_only
def continue_sync(membership: Membership, sync_id: int) -> Any:
    """Read the next roster pages of a sync in progress."""
    sync = queries.roster_sync_in_course(membership.course_id, sync_id)
    if sync is None:
        abort(404)
    if not SyncForm().validate_on_submit():
        abort(400)
    try:
        roster_sync.continue_roster_sync(sync)
    except roster_sync.SyncTakenElsewhere:
        db.session.rollback()  # another worker is reading the roster; show its progress
    else:
        db.session.commit()
    back = ".dashboard" if request.form.get("back") == "dashboard" else ".roster"
    return redirect(url_for(back, course_id=membership.course_id))


# --- assignment ----------------------------------------------------------------------------


def _assign_form(membership: Membership, formdata: Any = None) -> AssignForm:
    form = AssignForm(formdata=formdata) if formdata is not None else AssignForm()
    form.mentor.choices = [
        SelectChoice(
            str(profile.id),
            _(
                "%(name)s (%(active)s of %(capacity)s mentees)",
                name=profile.membership.user.display_name or _("Mentor without a shared name"),
                active=active,
                capacity=profile.capacity,
            ),
        )
        for profile, active in queries.available_mentors(membership.course_id)
    ]
    return form


def _render_assign(membership: Membership, *, form: Any = None, upload: Any = None) -> Any:
    if form is None:
        form = _assign_form(membership, formdata=None)
        form.mentee.data = request.args.get("mentee", "")[:320]
    return render_template(
        "staff/assign.html",
        membership=membership,
        form=form,
        upload=upload or CsvUploadForm(formdata=None),
    )


@bp.get("/assign")
@staff_only
def assign(membership: Membership) -> Any:
    """Offer the assignment by hand and by CSV upload."""
    return _render_assign(membership)


@bp.post("/assign")
@staff_only
def assign_by_hand(membership: Membership) -> Any:
    """Pair one learner with one mentor; both are notified."""
    form = _assign_form(membership, formdata=request.form)
    if form.validate_on_submit():
        try:
            assignment.assign_by_hand(membership, form.mentee.data or "", form.mentor.data)
        except Refusal as error:
            db.session.rollback()
            target = form.mentor if error.field == "mentor" else form.mentee
            target.errors = [*target.errors, error.message]
        else:
            db.session.commit()
            flash(_("The mentorship was created and both people were told."))
            return redirect(url_for(".dashboard", course_id=membership.course_id))
    return _render_assign(membership, form=form), 400


@bp.post("/assign/csv")
@staff_only
def preview_csv(membership: Membership) -> Any:
    """Check an uploaded CSV row by row and show what would be saved; save nothing."""
    upload = CsvUploadForm()
    if not upload.validate_on_submit():
        return _render_assign(membership, upload=upload), 400
    content = upload.file.data.read(assignment.MAX_CSV_BYTES + 1)
    try:
        preview = assignment.preview_csv(membership, content)
    except assignment.CsvRejected as error:
        upload.file.errors = [*upload.file.errors, error.message or ""]
        return _render_assign(membership, upload=upload), 400
    confirm = CsvConfirmForm(formdata=None)
    confirm.content.data = content.decode("utf-8-sig")
    return render_template(
        "staff/csv_preview.html",
        membership=membership,
        preview=preview,
        confirm=confirm,
    ), (200 if preview.is_clean else 400)


@bp.post("/assign/csv/confirm")
@staff_only
def confirm_csv(membership: Membership) -> Any:
    """Create every mentorship of a checked CSV, or none when any row is refused."""
    confirm = CsvConfirmForm()
    if not confirm.validate_on_submit():
        abort(400)
    try:
        created = assignment.assign_from_csv(membership, confirm.content.data or "")
    except assignment.CsvRejected as error:
        db.session.rollback()
        if error.message:
            flash(error.message, "error")
            return redirect(url_for(".assign", course_id=membership.course_id))
        return render_template(
            "staff/csv_preview.html",
            membership=membership,
            preview=assignment.CsvPreview(error.checks),
            confirm=confirm,
        ), 400
    db.session.commit()
    flash(
        ngettext(
            "%(num)d mentorship was created; both people of each pair were told.",
            "%(num)d mentorships were created; both people of each pair were told.",
            len(created),
        )
    )
    return redirect(url_for(".dashboard", course_id=membership.course_id))


# --- suggested matching --------------------------------------------------------------------


def _render_matching(
    membership: Membership, errors: dict[int, str] | None = None, *, again: bool = False
) -> Any:
    proposal, learners, mentors = assignment.propose_matches(membership, again=again)
    return render_template(
        "staff/matching.html",
        membership=membership,
        proposal=proposal,
        learners=learners,
        mentors=mentors,
        errors=errors or {},
        again=again,
        sync_form=SyncForm(formdata=None),
    )


@bp.get("/matching")
@staff_only
def matching(membership: Membership) -> Any:
    """Propose a mentor for every learner who may be matched now; nothing is ticked."""
    return _render_matching(membership, again=request.args.get("again") == "1")


@bp.post("/matching")
@staff_only
def confirm_matching(membership: Membership) -> Any:
    """Show what the ticked pairs will create and ask once more; on confirmation, create them."""
    if not SyncForm().validate_on_submit():
        abort(400)
    again = request.form.get("again") == "1"
    choices: dict[int, int] = {}
    for learner in request.form.getlist("accept"):
        value = request.form.get(f"mentor-{learner}", "")
        if not (learner.isdigit() and value.isdigit()):
            abort(400)
        choices[int(learner)] = int(value)
    try:
        if request.form.get("confirmed") != "1":
            learners, mentors = assignment.check_matches(membership, choices, again=again)
            return render_template(
                "staff/matching_confirm.html",
                membership=membership,
                choices=choices,
                learners=learners,
                mentors=mentors,
                again=again,
                sync_form=SyncForm(formdata=None),
            )
        created = assignment.confirm_matches(membership, choices, again=again)
    except assignment.MatchingRejected as error:
        db.session.rollback()
        return _render_matching(membership, error.by_learner, again=again), 400
    except Refusal as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".matching", course_id=membership.course_id))
    db.session.commit()
    flash(
        ngettext(
            "%(num)d mentorship was created; both people of each pair were told.",
            "%(num)d mentorships were created; both people of each pair were told.",
            len(created),
        )
    )
    return redirect(url_for(".matching", course_id=membership.course_id))


# --- concerns ------------------------------------------------------------------------------


@bp.get("/concerns")
@staff_only
def concerns(membership: Membership) -> Any:
    """List the course's concerns, open ones first, paged."""
    wanted = request.args.get("status", "")
    status = ConcernStatus(wanted) if wanted in {s.value for s in ConcernStatus} else None
    page = request.args.get("page", "1")
    concerns_page = queries.concerns_page(
        membership.course_id, status=status, page=int(page) if page.isdigit() else 1
    )
    return render_template(
        "staff/concerns.html", membership=membership, page=concerns_page, status=status
    )


def _render_concern(
    membership: Membership, concern: Any, *, action_form: Any = None, close_form: Any = None
) -> Any:
    return render_template(
        "staff/concern.html",
        membership=membership,
        concern=concern,
        about=queries.member_in_course(membership.course_id, concern.about_id),
        actions=queries.concern_actions(concern),
        action_form=action_form or ConcernActionForm(formdata=None),
        close_form=close_form or CloseConcernForm(formdata=None),
    )


def _concern_or_404(membership: Membership, concern_id: int) -> Any:
    concern = queries.concern_in_course(membership.course_id, concern_id)
    if concern is None:
        abort(404)
    return concern


@bp.get("/concerns/<int:concern_id>")
@staff_only
def concern(membership: Membership, concern_id: int) -> Any:
    """Show one concern, what staff did about it, and the forms to record and close."""
    return _render_concern(membership, _concern_or_404(membership, concern_id))


@bp.post("/concerns/<int:concern_id>/actions")
@staff_only
def record_action(membership: Membership, concern_id: int) -> Any:
    """Record what was done about a concern."""
    found = _concern_or_404(membership, concern_id)
    form = ConcernActionForm()
    if form.validate_on_submit():
        try:
            concern_ops.record_concern_action(membership, found, text=form.text.data or "")
        except Refusal as error:
            db.session.rollback()
            form.text.errors = [*form.text.errors, error.message]
        else:
            db.session.commit()
            flash(_("What was done is recorded."))
            return redirect(
                url_for(".concern", course_id=membership.course_id, concern_id=found.id)
            )
    return _render_concern(membership, found, action_form=form), 400


@bp.post("/concerns/<int:concern_id>/close")
@staff_only
def close_concern(membership: Membership, concern_id: int) -> Any:
    """Close a concern, saying how it was resolved."""
    found = _concern_or_404(membership, concern_id)
    form = CloseConcernForm()
    if form.validate_on_submit():
        try:
            concern_ops.close_concern(membership, found, action_taken=form.action_taken.data or "")
        except Refusal as error:
            db.session.rollback()
            form.action_taken.errors = [*form.action_taken.errors, error.message]
        else:
            db.session.commit()
            flash(_("The concern is closed."))
            return redirect(
                url_for(".concern", course_id=membership.course_id, concern_id=found.id)
            )
    return _render_concern(membership, found, close_form=form), 400
