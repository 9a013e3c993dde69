"""Mentor pages: search, a mentor's public profile, one's own profile, and the staff's pool."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import storage
from ..core.auth import course_view
from ..extensions import db
from ..people.models import CourseRole, Membership
from ..programme.access import participant_view
from ..programme.models import MatchingMode
from ..programme.operations import programme_for
from ..refusals import Refusal
from . import operations, photos, queries
from .access import can_become, can_request, can_view_profile
from .cards import initials, search_cards
from .forms import BusyForm, MentorStatusForm, ProfileForm, SearchForm
from .guidance import (
    CONTACT_MODE_LABELS,
    ROLE_DESCRIPTIONS,
    ROLE_LABELS,
    STATUS_LABELS,
    language_name,
)
from .models import ContactMode, MentorProfile, MentorRole, MentorStatus
from .search import search_mentors

bp = Blueprint("mentors", __name__, url_prefix="/course/<int:course_id>/mentors")


@bp.app_template_global()
def language_label(code: str) -> Any:
    """Return the name of a language in the reader's language."""
    return language_name(code)


@bp.app_template_global()
def mode_label(mode: str) -> Any:
    """Return the label of a contact mode."""
    return CONTACT_MODE_LABELS.get(ContactMode(mode), mode)


@bp.app_template_global()
def mentor_role_label(role: str) -> Any:
    """Return the label of a role a mentor offers."""
    return ROLE_LABELS.get(MentorRole(role), role)


bp.add_app_template_global(initials)


@bp.app_template_global()
def mentor_status_label(status: str) -> Any:
    """Return the label of a mentor status."""
    return STATUS_LABELS[MentorStatus(status)]


@bp.get("")
@participant_view()
def search(membership: Membership) -> Any:
    """Search the course's mentors by words and facets, best matches first (§4.2)."""
    form = SearchForm(MultiDict(request.args))
    form.set_topic_choices(queries.known_topics(membership.course_id))
    form.set_language_choices(queries.known_languages(membership.course_id))
    result = None
    if form.validate():
        result = search_mentors(
            membership.course_id,
            text=form.q.data or "",
            topics=form.topic.data or (),
            languages=form.lang.data or (),
            modes=form.mode.data or (),
            roles=form.role.data or (),
            include_unavailable=bool(form.all.data),
            page=form.page.data or 1,
        )
    query_args = {
        key: request.args.getlist(key) for key in ("q", "topic", "lang", "mode", "role", "all")
    }
    matching_mode = queries.matching_mode_and_profile(membership)
    # No commit before rendering: a commit would expire the loaded results and the template
    # would reload each profile, membership and user one by one (issue 12). A GET writes nothing.
    return render_template(
        "mentors/search.html",
        form=form,
        result=result,
        cards=search_cards(
            result.hits if result is not None else (),
            membership,
            matching_mode,
            viewer_language=str(get_locale() or ""),
        ),
        query_args={key: values for key, values in query_args.items() if values},
        has_filters=any(query_args[key] for key in ("topic", "lang", "mode", "role")),
        staff_assign_only=matching_mode == MatchingMode.STAFF_ASSIGN,
        membership=membership,
    )


@bp.get("/<int:profile_id>")
@participant_view()
def profile(membership: Membership, profile_id: int) -> Any:
    """Show one mentor of this course, with a way to ask them (§4.2, §4.3)."""
    mentor = queries.profile_in_course(membership.course_id, profile_id)
    if mentor is None or not can_view_profile(membership, mentor):
        abort(404)
    may_ask = can_request(membership, mentor, queries.matching_mode(membership.course_id))
    return render_template(
        "mentors/profile.html",
        mentor=mentor,
        is_own=mentor.membership_id == membership.id,
        is_staff=membership.role == CourseRole.STAFF,
        can_request=may_ask,
        request_url=(
            url_for("mentoring.new_request", course_id=membership.course_id, mentor_id=mentor.id)
            if may_ask
            else None
        ),
        role_descriptions=ROLE_DESCRIPTIONS,
        membership=membership,
    )


@bp.route("/me", methods=["GET", "POST"])
@participant_view(CourseRole.MENTOR, CourseRole.LEARNER)
def edit_profile(membership: Membership) -> Any:
    """Edit one's mentor profile; a course mentor's first visit opens it, a learner volunteers."""
    programme = programme_for(membership.course)
    mentor = queries.profile_of(membership)
    if mentor is None and membership.role == CourseRole.MENTOR:
        mentor = operations.open_profile(membership)
        db.session.commit()
    form = ProfileForm(
        obj=_ProfileData(mentor) if mentor else None,
        max_capacity=max(programme.mentor_capacity, 1),
        data=None if mentor else {"capacity": programme.mentor_capacity},
    )
    if form.is_submitted():
        photo = form.photo.data.read() if form.photo.data else None
        if form.validate():
            try:
                if mentor is None:
                    mentor = operations.volunteer(membership, **form.profile_fields())
                else:
                    operations.update_profile(mentor, membership, **form.profile_fields())
                if photo is not None:
                    photos.set_photo(mentor, membership, photo)
                elif form.remove_photo.data:
                    photos.remove_photo(mentor, membership)
            except operations.ProfileError as error:
                db.session.rollback()
                _show_errors(form, error.errors)
            else:
                db.session.commit()
                return redirect(url_for(".edit_profile", course_id=membership.course_id, saved=1))
        else:
            # The operations' own checks beside the form's: every problem comes at once.
            errors = operations.profile_field_errors(programme, form.profile_fields())
            if photo is not None and (photo_error := photos.photo_error(photo)):
                errors["photo"] = photo_error
            _show_errors(form, errors)
    db.session.commit()
    return render_template(
        "mentors/edit_profile.html",
        form=form,
        mentor=mentor,
        busy_form=BusyForm(formdata=None),
        is_volunteering=mentor is None,
        saved=request.method == "GET" and request.args.get("saved") == "1",
        role_descriptions=ROLE_DESCRIPTIONS,
        membership=membership,
    )


def _show_errors(form: ProfileForm, errors: dict[str, str]) -> None:
    """Show each message beside its field (unless the field already says what is wrong)."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is None:
            form.form_errors.append(message)
        elif not field.errors:
            field.errors.append(message)


class _ProfileData:
    """A profile as the form reads it (topics as one comma-separated line)."""

    def __init__(self, profile: MentorProfile) -> None:
        self.headline = profile.headline
        self.bio = profile.bio
        self.topics = ", ".join(profile.topics)
        self.languages = list(profile.languages)
        self.contact_modes = list(profile.contact_modes)
        self.roles_offered = list(profile.roles_offered)
        self.capacity = profile.capacity
        self.link_url = profile.link_url or ""


@bp.get("/<int:profile_id>/photo")
@course_view()
def photo(membership: Membership, profile_id: int) -> Any:
    """Send a mentor's photo to whoever may see their profile in this course."""
    mentor = queries.profile_in_course(membership.course_id, profile_id)
    if mentor is None or not mentor.photo_key or not can_view_profile(membership, mentor):
        abort(404)
    path = storage.path_of(mentor.photo_key)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=3600, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/me/busy")
@participant_view(CourseRole.MENTOR, CourseRole.LEARNER)
def set_busy(membership: Membership) -> Any:
    """Switch one's busy flag: busy mentors leave search but still answer sent requests."""
    mentor = queries.profile_of(membership)
    if mentor is None:
        abort(404)
    form = BusyForm()
    if not form.validate_on_submit():
        abort(400)
    operations.set_busy(mentor, form.busy.data == "1", membership)
    db.session.commit()
    return redirect(url_for(".edit_profile", course_id=membership.course_id))


@bp.get("/pool")
@course_view(CourseRole.STAFF)
def pool(membership: Membership) -> Any:
    """List the course's applicants and mentors with what staff decide on (§4.1)."""
    return _render_pool(membership)


def _render_pool(membership: Membership, error: str | None = None, status: int = 200) -> Any:
    return (
        render_template(
            "mentors/pool.html",
            mentors=queries.pool(membership.course_id),
            status_form=MentorStatusForm(formdata=None),
            can_become=can_become,
            error=error,
            changed=request.args.get("changed") == "1",
            membership=membership,
        ),
        status,
    )


@bp.post("/<int:profile_id>/status")
@course_view(CourseRole.STAFF)
def change_status(membership: Membership, profile_id: int) -> Any:
    """Approve, pause or exclude a mentor of this course (staff only; no reason owed)."""
    mentor = queries.profile_in_course(membership.course_id, profile_id)
    if mentor is None:
        abort(404)
    form = MentorStatusForm()
    if not form.validate_on_submit():
        return _render_pool(membership, error=_("Choose one of the actions shown."), status=400)
    if form.action.data == "exclude":  # asks for confirmation first (issue 10)
        return redirect(
            url_for("staff.exclude_mentor", course_id=mentor.course_id, profile_id=mentor.id)
        )
    decide = {"approve": operations.approve_mentor, "pause": operations.pause_mentor}[
        form.action.data
    ]
    try:
        decide(mentor, membership)
    except Refusal as error:
        db.session.rollback()
        return _render_pool(membership, error=str(error), status=409)
    db.session.commit()
    return redirect(url_for(".pool", course_id=membership.course_id, changed=1))
