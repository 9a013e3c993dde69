"""The staff's page of the evaluation questions: add, reword per language, move, retire (§2)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from ..core.auth import course_view
from ..core.views import handle_http_error
from ..extensions import db
from ..people.models import CourseRole, Membership
from ..wording import languages
from . import operations, queries
from .content import KIND_LABELS
from .forms import ButtonForm, MoveForm, QuestionForm, RewordForm
from .models import EvaluationQuestion
from .operations import EvaluationError, NotAllowed

bp = Blueprint("evaluation", __name__, url_prefix="/course/<int:course_id>/evaluation")


@bp.errorhandler(NotAllowed)
def _not_allowed(error: NotAllowed) -> Any:
    db.session.rollback()
    return handle_http_error(Forbidden())


def _language_names() -> dict[str, str]:
    from ..mentors.guidance import language_name

    return {code: language_name(code) for code in languages()}


def _reword_form(question: EvaluationQuestion | None = None) -> RewordForm:
    form = RewordForm(formdata=None, prefix=f"r{question.id}" if question else "")
    form.language.choices = list(_language_names().items())
    return form


def _render(membership: Membership, form: QuestionForm, reword: RewordForm | None = None,
            reword_id: int = 0) -> str:  # fmt: skip
    items = queries.questions_of(membership.course_id, include_retired=True)
    rewords = {question.id: _reword_form(question) for question in items}
    if reword is not None:
        rewords[reword_id] = reword
    return render_template(
        "evaluation/questions.html",
        questions=[(question, queries.question_label(question)) for question in items],
        form=form,
        rewords=rewords,
        language_names=_language_names(),
        kind_labels=KIND_LABELS,
        button=ButtonForm(),
    )


@bp.route("/questions", methods=["GET", "POST"])
@course_view(CourseRole.STAFF)
def questions(membership: Membership) -> Any:
    """List the course's evaluation questions; add one of the staff's own."""
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            operations.add_question(
                membership,
                text=form.text.data or "",
                kind=form.kind.data,
                is_required=form.is_required.data,
            )
        except EvaluationError as error:
            db.session.rollback()
            getattr(form, error.field or "text").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The question is added."))
            return redirect(url_for(".questions", course_id=membership.course_id))
        return _render(membership, form), 400
    if request.method == "POST":
        return _render(membership, form), 400
    if not queries.questions_of(membership.course_id, include_retired=True):
        operations.ensure_default_questions(membership.course_id)  # the seed's, on first use
        db.session.commit()
    return _render(membership, form)


def _staff_question(membership: Membership, question_id: int) -> EvaluationQuestion:
    question = queries.question_in_course(membership.course_id, question_id)
    if question is None:
        abort(404)
    return question


@bp.post("/questions/<int:question_id>/reword")
@course_view(CourseRole.STAFF)
def reword(membership: Membership, question_id: int) -> Any:
    """Word a question anew in one language (empty: back to the default words)."""
    question = _staff_question(membership, question_id)
    form = RewordForm(prefix=f"r{question.id}")
    form.language.choices = list(_language_names().items())
    if form.validate_on_submit():
        try:
            operations.reword_question(
                membership, question, language=form.language.data, text=form.text.data or ""
            )
        except EvaluationError as error:
            db.session.rollback()
            getattr(form, error.field or "text").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The question's words are saved."))
            return redirect(url_for(".questions", course_id=membership.course_id))
    return _render(membership, QuestionForm(formdata=None), form, question.id), 400


@bp.post("/questions/<int:question_id>/move")
@course_view(CourseRole.STAFF)
def move(membership: Membership, question_id: int) -> Any:
    """Move a question one place up or down."""
    question = _staff_question(membership, question_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    operations.move_question(membership, question, up=form.direction.data == "up")
    db.session.commit()
    return redirect(url_for(".questions", course_id=membership.course_id))


@bp.post("/questions/<int:question_id>/retire")
@course_view(CourseRole.STAFF)
def retire(membership: Membership, question_id: int) -> Any:
    """Stop asking a question; answers already given stay, with their averages."""
    question = _staff_question(membership, question_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    operations.retire_question(membership, question)
    db.session.commit()
    flash(_("The question is retired; the answers already given are kept."))
    return redirect(url_for(".questions", course_id=membership.course_id))


@bp.post("/questions/<int:question_id>/restore")
@course_view(CourseRole.STAFF)
def restore(membership: Membership, question_id: int) -> Any:
    """Ask a retired question again."""
    question = _staff_question(membership, question_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    operations.restore_question(membership, question)
    db.session.commit()
    flash(_("The question is asked again."))
    return redirect(url_for(".questions", course_id=membership.course_id))
