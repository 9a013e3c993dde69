"""The routes that act on one question of a course's list — word anew, move, retire, restore —
added to the evaluation's and the reflection's blueprints by :func:`add_question_routes`.

The domain says how to find a question in a course (a foreign id is a 404) and how to render
its questions page with a refused reword form; everything else is the same for both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _

from ..core.auth import course_view
from ..extensions import db
from ..forms import ConfirmForm
from ..mentors.guidance import language_name
from ..people.models import CourseRole, Membership
from ..refusals import Refusal, apply_refusal
from ..wording import languages
from . import operations
from .forms import MoveForm, RewordForm
from .operations import Question

#: Find a question of a course by id (``None`` if it is not one of the course's).
Finder = Callable[[int, int], Question | None]
#: Render the questions page with a refused reword form for one question.
Renderer = Callable[[Membership, RewordForm, int], str]


def language_names() -> dict[str, str]:
    """The languages a question can be worded in, by code, with their names."""
    return {code: language_name(code) for code in languages()}


def reword_form(question: Question, *, posted: bool = False) -> RewordForm:
    """The form that words a question anew (its fields prefixed by the question's id), empty
    or with what was ``posted``."""
    form = RewordForm(prefix=f"r{question.id}", **({} if posted else {"formdata": None}))
    form.language.choices = list(language_names().items())
    return form


def _back(membership: Membership) -> Any:
    return redirect(url_for(".questions", course_id=membership.course_id))


def add_question_routes(bp: Blueprint, *, find: Finder, render: Renderer) -> None:
    """Add the staff's routes for one question to ``bp`` (which has a ``questions`` page)."""

    def staff_question(membership: Membership, question_id: int) -> Question:
        question = find(membership.course_id, question_id)
        if question is None:
            abort(404)
        return question

    @bp.post("/questions/<int:question_id>/reword")
    @course_view(CourseRole.STAFF)
    def reword(membership: Membership, question_id: int) -> Any:
        """Word a question anew in one language (empty: back to the default words)."""
        question = staff_question(membership, question_id)
        form = reword_form(question, posted=True)
        if form.validate_on_submit():
            try:
                operations.reword(
                    membership, question, language=form.language.data, text=form.text.data
                )
            except Refusal as error:
                db.session.rollback()
                apply_refusal(form, error)
            else:
                db.session.commit()
                flash(_("The question's words are saved."))
                return _back(membership)
        return render(membership, form, question.id), 400

    @bp.post("/questions/<int:question_id>/move")
    @course_view(CourseRole.STAFF)
    def move(membership: Membership, question_id: int) -> Any:
        """Move a question one place up or down."""
        question = staff_question(membership, question_id)
        form = MoveForm()
        if not form.validate_on_submit():
            abort(400)
        operations.move(membership, question, up=form.direction.data == "up")
        db.session.commit()
        return _back(membership)

    @bp.post("/questions/<int:question_id>/retire")
    @course_view(CourseRole.STAFF)
    def retire(membership: Membership, question_id: int) -> Any:
        """Stop asking a question; the answers already given stay."""
        question = staff_question(membership, question_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        operations.retire(membership, question)
        db.session.commit()
        flash(_("The question is retired; the answers already given are kept."))
        return _back(membership)

    @bp.post("/questions/<int:question_id>/restore")
    @course_view(CourseRole.STAFF)
    def restore(membership: Membership, question_id: int) -> Any:
        """Ask a retired question again."""
        question = staff_question(membership, question_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        operations.restore(membership, question)
        db.session.commit()
        flash(_("The question is asked again."))
        return _back(membership)
