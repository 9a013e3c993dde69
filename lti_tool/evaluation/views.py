"""The staff's page of the evaluation questions: add, reword per language, move, retire (§2)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..core.auth import course_view
from ..extensions import db
from ..forms import ConfirmForm
from ..people.models import CourseRole, Membership
from ..questionnaires.forms import RewordForm
from ..questionnaires.views import add_question_routes, language_names, reword_form
from ..refusals import Refusal, apply_refusal
from . import operations, queries
from .content import KIND_LABELS
from .forms import QuestionForm

bp = Blueprint("evaluation", __name__, url_prefix="/course/<int:course_id>/evaluation")


def _render(
    membership: Membership, form: QuestionForm, reword: RewordForm | None = None, reword_id: int = 0
) -> str:
    items = queries.questions_of(membership.course_id, include_retired=True)
    rewords = {question.id: reword_form(question) for question in items}
    if reword is not None:
        rewords[reword_id] = reword
    return render_template(
        "evaluation/questions.html",
        questions=[(question, queries.question_label(question)) for question in items],
        form=form,
        rewords=rewords,
        hints={question.id: KIND_LABELS[question.kind] for question in items},
        language_names=language_names(),
        button=ConfirmForm(),
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
        except Refusal as error:
            db.session.rollback()
            apply_refusal(form, error)
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


add_question_routes(
    bp,
    find=queries.question_in_course,
    render=lambda membership, reword, question_id: _render(
        membership, QuestionForm(formdata=None), reword, question_id
    ),
)
