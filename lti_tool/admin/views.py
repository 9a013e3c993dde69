"""The administration console: the administrator's own registration, nothing else (§1, §6).

Reached from the course menu of a launch that carried a platform administrator role; every page
checks ``can_administer`` on the server and reads only rows of that launch's registration, so an
id of another platform's row answers 404.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..core.auth import course_view
from ..extensions import db
from ..forms import ConfirmForm
from ..lti.operations import tool_urls
from ..people.models import Membership
from ..platforms.models import Registration
from ..programme import operations as programme_operations
from . import operations, queries
from .access import can_administer
from .forms import GiveUpForm, PlatformDefaultsForm, RetireKeyForm, RotateKeysForm

bp = Blueprint("admin", __name__, url_prefix="/course/<int:course_id>/admin")


#: The console's pages, in menu order.
ADMIN_PAGES = (
    ("admin.index", _l("Registration")),
    ("admin.deployments", _l("Deployments")),
    ("admin.keys", _l("Tool keys")),
    ("admin.outbox", _l("Outbox")),
    ("admin.defaults", _l("Defaults for new courses")),
)
URL_LABELS = {
    "login": _l("Login (OIDC login initiation) URL"),
    "launch": _l("Launch (target link) URL"),
    "redirect": _l("Redirect URL"),
    "jwks": _l("Tool public key set (JWKS) URL"),
    "dynamic_registration": _l("Dynamic registration URL (Moodle)"),
    "deep_linking": _l("Deep linking (content selection) URL"),
}
ACTION_LABELS = {
    ("deployment", "activated"): _l("Deployment activated"),
    ("deployment", "deactivated"): _l("Deployment deactivated"),
    ("tool_key", "rotated"): _l("Keys rotated"),
    ("tool_key", "retirement_scheduled"): _l("Key retirement scheduled"),
    ("platform_defaults", "updated"): _l("Defaults for new courses changed"),
    ("outbox_email", "retry_now"): _l("E-mail retried now"),
    ("outbox_email", "given_up"): _l("E-mail given up"),
    ("gradebook_score", "retry_now"): _l("Score retried now"),
    ("gradebook_score", "given_up"): _l("Score given up"),
}


@bp.context_processor
def console_context() -> dict[str, Any]:
    """Give the console's templates its menu and labels."""
    return {
        "admin_pages": [
            (endpoint, label)
            for endpoint, label in ADMIN_PAGES
            if endpoint in current_app.view_functions
        ],
        "url_labels": URL_LABELS,
        "action_labels": ACTION_LABELS,
    }


def admin_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Require a launched platform administrator; pass their membership and registration."""

    @course_view()
    @functools.wraps(view)
    def wrapped(membership: Membership, **kwargs: Any) -> Any:
        if not can_administer(membership):
            abort(403)
        return view(membership, membership.course.deployment.registration, **kwargs)

    return wrapped


def _back(membership: Membership, endpoint: str) -> Any:
    return redirect(url_for(endpoint, course_id=membership.course_id), code=303)


@bp.get("/")
@admin_view
def index(membership: Membership, registration: Registration) -> str:
    """Show the registration, the URLs to paste, running roster syncs and the action history."""
    return render_template(
        "admin/index.html",
        membership=membership,
        registration=registration,
        urls=tool_urls(),
        runner=queries.runner_status(registration.id),
        syncs=queries.running_syncs(registration.id),
        history=queries.admin_history(registration.id),
    )


@bp.get("/deployments")
@admin_view
def deployments(membership: Membership, registration: Registration) -> str:
    """List the registration's deployments with their course counts."""
    return render_template(
        "admin/deployments.html",
        membership=membership,
        registration=registration,
        rows=queries.deployments_of(registration.id),
        form=ConfirmForm(),
    )


@bp.post("/deployments/<int:deployment_pk>/<any(activate, deactivate):action>")
@admin_view
def change_deployment(
    membership: Membership, registration: Registration, deployment_pk: int, action: str
) -> Any:
    """Activate or deactivate one deployment of the registration."""
    deployment = queries.deployment_of(registration.id, deployment_pk)
    if deployment is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = action == "activate"
    operations.set_deployment_active(membership, registration, deployment, active=active)
    db.session.commit()
    if active:
        flash(
            _(
                "Deployment %(id)s is active: its launches are accepted.",
                id=deployment.deployment_id,
            )
        )
    else:
        flash(
            _(
                "Deployment %(id)s is inactive: its launches wait for an administrator.",
                id=deployment.deployment_id,
            )
        )
    return _back(membership, ".deployments")


@bp.get("/keys")
@admin_view
def keys(membership: Membership, registration: Registration) -> str:
    """Show the tool's keys, which one signs and what the JWKS serves."""
    return render_template(
        "admin/keys.html",
        membership=membership,
        registration=registration,
        rows=queries.tool_keys(),
        jwks_url=dict(tool_urls())["jwks"],
        rotate_form=RotateKeysForm(),
        retire_form=RetireKeyForm(),
    )


@bp.post("/keys/rotate")
@admin_view
def rotate_keys(membership: Membership, registration: Registration) -> Any:
    """Create a new signing key, keeping the current ones in the JWKS for a while."""
    form = RotateKeysForm()
    if not form.validate_on_submit():
        return _invalid(form, membership, ".keys")
    key = operations.rotate_keys(membership, form.retire_after_days.data)
    db.session.commit()
    flash(_("New signing key %(kid)s.", kid=key.kid))
    return _back(membership, ".keys")


@bp.post("/keys/<int:key_pk>/retire")
@admin_view
def retire_key(membership: Membership, registration: Registration, key_pk: int) -> Any:
    """Schedule an older key to leave the JWKS."""
    key = queries.tool_key(key_pk)
    if key is None:
        abort(404)
    form = RetireKeyForm()
    if not form.validate_on_submit():
        return _invalid(form, membership, ".keys")
    try:
        operations.retire_key(membership, key, form.in_days.data)
    except operations.AdminError:
        db.session.rollback()
        flash(_("The newest key signs every message: rotate the keys first."), "error")
        return _back(membership, ".keys")
    db.session.commit()
    flash(
        ngettext(
            "Key %(kid)s will leave the key set in %(num)d day.",
            "Key %(kid)s will leave the key set in %(num)d days.",
            form.in_days.data,
            kid=key.kid,
        )
    )
    return _back(membership, ".keys")


@bp.get("/outbox")
@admin_view
def outbox(membership: Membership, registration: Registration) -> str:
    """Show the platform's e-mails and scores that wait after a failure, or failed for good."""
    return render_template(
        "admin/outbox.html",
        membership=membership,
        registration=registration,
        outbox=queries.outbox(registration.id),
        form=ConfirmForm(),
        give_up_form=GiveUpForm(),
    )


@bp.post("/outbox/<any(emails, scores):kind>/<int:item_pk>/retry")
@admin_view
def retry_delivery(
    membership: Membership, registration: Registration, kind: str, item_pk: int
) -> Any:
    """Make one of the platform's e-mails or scores due at once."""
    item = _outbox_item(registration, kind, item_pk)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    is_due = operations.retry_delivery(membership, item)
    db.session.commit()
    if is_due:
        flash(_("It will be sent on the job runner's next run."))
    else:
        flash(_("Nothing was changed: it is being sent right now, or was sent already."), "error")
    return _back(membership, ".outbox")


@bp.post("/outbox/<any(emails, scores):kind>/<int:item_pk>/give-up")
@admin_view
def give_up_delivery(
    membership: Membership, registration: Registration, kind: str, item_pk: int
) -> Any:
    """Stop retrying one of the platform's e-mails or scores, with a reason."""
    item = _outbox_item(registration, kind, item_pk)
    form = GiveUpForm()
    if not form.validate_on_submit():
        return _invalid(form, membership, ".outbox")
    given_up = operations.give_up_delivery(membership, item, form.reason.data.strip())
    db.session.commit()
    if given_up:
        flash(_("It will not be retried; it stays listed with your reason."))
    else:
        flash(_("Nothing was changed: it is being sent right now, or was sent already."), "error")
    return _back(membership, ".outbox")


def _outbox_item(registration: Registration, kind: str, item_pk: int) -> Any:
    """The e-mail or score of that id, only when it belongs to the registration's courses."""
    find = queries.email_of if kind == "emails" else queries.score_of
    item = find(registration.id, item_pk)
    if item is None:
        abort(404)
    return item


@bp.route("/defaults", methods=["GET", "POST"])
@admin_view
def defaults(membership: Membership, registration: Registration) -> Any:
    """Set the programme settings new courses of this platform start with."""
    current = programme_operations.platform_defaults_of(
        registration.id
    ) or programme_operations.unsaved_platform_defaults(registration.id)
    form = PlatformDefaultsForm(obj=current)
    if form.validate_on_submit():
        try:
            programme_operations.update_platform_defaults(
                registration.id, membership, **form.settings()
            )
        except programme_operations.ProgrammeSettingsError as error:
            db.session.rollback()
            for name, message in error.errors.items():
                getattr(form, name).errors.append(message)
        else:
            db.session.commit()
            flash(_("The defaults were saved. Courses that start from now on use them."))
            return _back(membership, ".defaults")
    return render_template(
        "admin/defaults.html", membership=membership, registration=registration, form=form
    )


def _invalid(form: Any, membership: Membership, endpoint: str) -> Any:
    """Report a refused form as a flashed error; nothing was changed."""
    if form.csrf_token.errors:
        abort(400)
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")
    return _back(membership, endpoint)
