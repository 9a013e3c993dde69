"""Programme pages: the standards gate and, for staff, the programme settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from ..core.auth import course_view
from ..extensions import db
from ..people.models import CourseRole, Membership
from . import operations
from .forms import ProgrammeSettingsForm, StandardsForm
from .standards import STANDARDS, STANDARDS_VERSION

bp = Blueprint("programme", __name__, url_prefix="/course/<int:course_id>")


@bp.route("/standards", methods=["GET", "POST"])
@course_view()
def standards(membership: Membership) -> Any:
    """Show the programme standards and record their acceptance."""
    form = StandardsForm()
    if form.validate_on_submit():
        operations.accept_standards(
            membership, accepted=form.accept.data, confirmed_of_age=form.of_age.data
        )
        db.session.commit()
        return redirect(_safe_next(form.next.data, membership.course_id))
    return render_template(
        "programme/standards.html",
        form=form,
        membership=membership,
        standards=STANDARDS,
        version=STANDARDS_VERSION,
        has_accepted=operations.has_accepted_standards(membership),
    )


@bp.route("/programme/settings", methods=["GET", "POST"])
@course_view(CourseRole.STAFF)
def settings(membership: Membership) -> Any:
    """Let staff change the programme's settings (§2)."""
    programme = operations.programme_for(membership.course)
    form = ProgrammeSettingsForm(obj=programme)
    if form.validate_on_submit():
        try:
            operations.update_programme(programme, membership, **form.settings())
        except operations.ProgrammeSettingsError as error:
            db.session.rollback()
            for name, message in error.errors.items():
                getattr(form, name).errors.append(message)
        else:
            db.session.commit()
            return redirect(url_for(".settings", course_id=membership.course_id, saved=1))
    else:
        db.session.commit()  # the programme may have just been created with its defaults
    return render_template(
        "programme/settings.html",
        form=form,
        membership=membership,
        saved=request.method == "GET" and request.args.get("saved") == "1",
    )


def _safe_next(target: str | None, course_id: int) -> str:
    """Follow ``next`` only to a page of the same course."""
    prefix = f"/course/{course_id}/"
    if target and target.startswith(prefix) and "//" not in target:
        return target
    return url_for("home.index", course_id=course_id)
