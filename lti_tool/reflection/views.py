"""Pages of the reflection activity, the online-outreach guide and the gradebook outbox (§5, §6).

Every view parses its form, finds rows only through queries scoped to the course (a foreign id
is a 404), calls one operation, commits, and redirects; a refusal is shown beside its field and
nothing is saved.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _

from ..core.auth import course_view
from ..extensions import db
from ..forms import ConfirmForm
from ..people.models import CourseRole, Membership
from ..programme.access import participant_view
from ..questionnaires.forms import RewordForm
from ..questionnaires.views import add_question_routes, language_names, reword_form
from ..refusals import Refusal, apply_refusal
from . import content, operations, queries
from .forms import AnswerForm, AudienceForm, QuestionForm

bp = Blueprint("reflection", __name__, url_prefix="/course/<int:course_id>/reflection")

AUTOSAVE_HEADER = "X-Autosave"


def _answer_form(item: queries.QuestionItem) -> AnswerForm:
    form = AnswerForm(prefix=f"q{item.question.id}", formdata=None)
    form.text.data = item.text
    if item.answer is not None:
        form.share_with_partner.data = item.answer.is_shared_with_partner
        form.share_with_staff.data = item.answer.is_shared_with_staff
    return form


def _render_index(
    membership: Membership,
    failed: AnswerForm | None = None,
    failed_id: int = 0,
    *,
    own: bool = False,
) -> str:
    if membership.role == CourseRole.STAFF and not own:
        return render_template(
            "reflection/overview.html",
            rows=queries.completion_overview(membership),
            questions=[
                (q, queries.question_label(q)) for q in queries.questions_of(membership.course_id)
            ],
            waiting=len(queries.waiting_scores(membership)),
            has_own=bool(queries.progress_of(membership).items),
            audience_labels=content.AUDIENCE_LABELS,
        )
    progress = queries.progress_of(membership)
    forms = {item.question.id: _answer_form(item) for item in progress.items}
    if failed is not None and failed_id in forms:
        forms[failed_id] = failed
    elif failed is not None:  # a question no longer asked: no field to show the refusal beside
        for error in [*failed.form_errors, *failed.text.errors]:
            flash(error)
    return render_template("reflection/index.html", progress=progress, forms=forms)


@bp.get("/")
@participant_view()
def index(membership: Membership) -> Any:
    """Show the questions with one's answers, or (staff) who has completed the reflection."""
    operations.ensure_default_questions(membership.course_id)
    db.session.commit()
    return _render_index(membership)


@bp.get("/mine")
@participant_view()
def mine(membership: Membership) -> Any:
    """Show one's own questions and answers (staff answer the questions addressed to them)."""
    return _render_index(membership, own=True)


@bp.post("/questions/<int:question_id>/answer")
@participant_view()
def answer(membership: Membership, question_id: int) -> Any:
    """Save an answer as a draft (also by autosave) or as a new version."""
    question = queries.question_in_course(membership.course_id, question_id)
    if question is None:
        abort(404)
    form = AnswerForm(prefix=f"q{question.id}")
    is_autosave = request.headers.get(AUTOSAVE_HEADER) == "1"
    if form.validate_on_submit():
        verb = operations.submit_answer if form.submit.data else operations.save_draft
        try:
            saved = verb(
                membership,
                question,
                text=form.text.data or "",
                share_with_partner=form.share_with_partner.data,
                share_with_staff=form.share_with_staff.data,
            )
        except Refusal as error:
            db.session.rollback()
            apply_refusal(form, error)
        else:
            db.session.commit()
            if is_autosave:
                moment = format_datetime(saved.draft_saved_at, "short")
                return jsonify(saved=True, message=_("Draft saved at %(time)s.", time=moment))
            flash(_("Your answer is saved.") if form.submit.data else _("Your draft is saved."))
            page = ".mine" if membership.role == CourseRole.STAFF else ".index"
            return redirect(
                url_for(page, course_id=membership.course_id, _anchor=f"q{question.id}")
            )
    if is_autosave:
        errors = [str(error) for error in form.text.errors] or [_("The draft was not saved.")]
        return jsonify(saved=False, message=" ".join(errors)), 400
    return _render_index(
        membership, form, question.id, own=membership.role == CourseRole.STAFF
    ), 400


@bp.get("/questions/<int:question_id>/history")
@participant_view()
def history(membership: Membership, question_id: int) -> Any:
    """Show every saved version of one's answer to a question."""
    question = queries.question_in_course(membership.course_id, question_id)
    if question is None:
        abort(404)
    own = queries.own_answer(membership, question)
    if own is None and not operations.is_asked_of(membership, question):
        abort(404)  # a question addressed to others, which the person never answered
    return render_template(
        "reflection/history.html",
        question=question,
        label=queries.question_label(question),
        answer=own,
    )


@bp.get("/shared")
@participant_view()
def shared(membership: Membership) -> Any:
    """Show the answers one's mentor or mentees (staff: anyone) chose to share with one."""
    return render_template(
        "reflection/shared.html",
        answers=queries.shared_with(membership),
        is_staff=membership.role == CourseRole.STAFF,
    )


@bp.get("/guide")
@course_view()
def guide(membership: Membership) -> Any:
    """Show the guide to finding mentees online (section 5.1)."""
    return render_template(
        "reflection/guide.html",
        title=content.GUIDE_TITLE,
        intro=content.GUIDE_INTRO,
        sections=content.GUIDE,
        is_staff=membership.role == CourseRole.STAFF,
    )


# --- questions (staff) -----------------------------------------------------------------------


def _audience_form(question: Any) -> AudienceForm:
    form = AudienceForm(formdata=None, prefix=f"a{question.id}")
    form.audience.data = question.audience.value
    return form


def _render_questions(
    membership: Membership, form: QuestionForm, failed: Any = None, failed_id: int = 0
) -> str:
    items = queries.questions_of(membership.course_id, include_retired=True)
    rewords = {question.id: reword_form(question) for question in items}
    audiences = {question.id: _audience_form(question) for question in items}
    if isinstance(failed, RewordForm):
        rewords[failed_id] = failed
    elif isinstance(failed, AudienceForm):
        audiences[failed_id] = failed
    return render_template(
        "reflection/questions.html",
        questions=[(q, queries.question_label(q)) for q in items],
        form=form,
        button=ConfirmForm(),
        rewords=rewords,
        audiences=audiences,
        hints={
            q.id: _("asked of: %(audience)s", audience=content.AUDIENCE_LABELS[q.audience])
            for q in items
        },
        language_names=language_names(),
    )


@bp.route("/questions", methods=["GET", "POST"])
@course_view(CourseRole.STAFF)
def questions(membership: Membership) -> Any:
    """List the course's questions; add one of the staff's own."""
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            operations.add_question(
                membership, text=form.text.data or "", audience=form.audience.data
            )
        except Refusal as error:
            db.session.rollback()
            apply_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The question is added."))
            return redirect(url_for(".questions", course_id=membership.course_id))
        return _render_questions(membership, form), 400
    if request.method == "POST":
        return _render_questions(membership, form), 400
    operations.ensure_default_questions(membership.course_id)
    db.session.commit()
    return _render_questions(membership, form)


add_question_routes(
    bp,
    find=queries.question_in_course,
    render=lambda membership, reword, question_id: _render_questions(
        membership, QuestionForm(formdata=None), reword, question_id
    ),
)


@bp.post("/questions/<int:question_id>/audience")
@course_view(CourseRole.STAFF)
def audience(membership: Membership, question_id: int) -> Any:
    """Address a question to another audience."""
    question = queries.question_in_course(membership.course_id, question_id)
    if question is None:
        abort(404)
    form = AudienceForm(prefix=f"a{question.id}")
    if form.validate_on_submit():
        operations.set_audience(membership, question, audience=form.audience.data)
        db.session.commit()
        flash(_("The question is addressed to its new audience."))
        return redirect(url_for(".questions", course_id=membership.course_id))
    return _render_questions(membership, QuestionForm(formdata=None), form, question.id), 400


# --- gradebook (staff) -----------------------------------------------------------------------


@bp.get("/scores")
@course_view(CourseRole.STAFF)
def scores(membership: Membership) -> Any:
    """Show the completion scores still waiting for the gradebook, and why."""
    return render_template(
        "reflection/scores.html",
        rows=queries.waiting_scores(membership),
        posted=queries.posted_score_count(membership),
    )
