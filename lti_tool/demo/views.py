"""The demo LMS's pages: a course page that launches the tool, and the platform's endpoints (§7)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..core.urls import public_url
from ..extensions import csrf
from ..lti.login import origin_of
from . import platform
from .forms import LaunchForm
from .platform import DemoRefusal
from .roster import COURSE, PEOPLE, ROLE_LABELS, find_person

bp = Blueprint("demo", __name__, url_prefix="/demo", static_folder="static")
# The launcher form checks its own CSRF token (FlaskForm); the other POSTs come from the tool,
# signed. Exempt from the app-wide check so that outside demo mode every page answers 404.
csrf.exempt(bp)


@bp.before_request
def require_demo_mode() -> None:
    """Answer 404 unless demo mode is on: the demo LMS launches anyone into its course."""
    if not current_app.config["DEMO_MODE"]:
        abort(404)


@bp.errorhandler(DemoRefusal)
def refused(error: DemoRefusal) -> tuple[str, int]:
    """Explain a request the demo LMS refuses (shown in the tool's frame)."""
    return render_template("demo/refused.html", message=error.message), 400


@bp.get("/")
def index() -> str:
    """Show the demo course: its people, its activities, and the tool in a frame."""
    form = LaunchForm()
    form.set_defaults(get_locale())
    return render_template(
        "demo/index.html",
        form=form,
        course=COURSE,
        people=PEOPLE,
        role_labels=ROLE_LABELS,
        tool_origin=origin_of(public_url("lti.launch")),
    )


@bp.post("/launch")
def launch() -> str:
    """Start a real LTI 1.3 launch or deep-linking request: POST the login to the tool."""
    form = LaunchForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            raise DemoRefusal(_l("The demo page has expired. Reload it and try again."))
        raise DemoRefusal(next(iter(form.errors.values()))[0])
    person = find_person(form.person.data)
    assert person is not None, "the form accepts only listed people"
    login_url, fields = platform.start_login(
        person,
        link=platform.find_link(form.link.data),
        locale=form.locale.data,
        is_deep_link=bool(form.deep_link.data),
        offer_storage=bool(form.storage.data),
    )
    return render_template(
        "demo/post_form.html", action=login_url, fields=fields, title=_l("Opening the tool…")
    )


@bp.route("/auth", methods=["GET", "POST"])
def authorize() -> Response:
    """Answer the tool's OIDC authorization request by posting a signed id_token back."""
    redirect_uri, fields = platform.authorize(request.values)
    response = Response(
        render_template(
            "demo/post_form.html",
            action=redirect_uri,
            fields=fields,
            title=_l("Signing you in to the tool…"),
        )
    )
    response.cache_control.no_store = True
    return response


@bp.post("/deep-link-return")
def deep_link_return() -> str:
    """Receive the activities the tool returns, verified against the tool's keys."""
    links = platform.receive_deep_link_response(request.form.get("JWT"))
    return render_template("demo/deep_link_return.html", links=links)


@bp.get("/return")
def returned() -> str:
    """Where the tool sends people back to the course, with its optional messages."""
    return render_template(
        "demo/returned.html",
        message=request.args.get("lti_msg"),
        error_message=request.args.get("lti_errormsg"),
    )


@bp.get("/jwks.json")
def jwks() -> Response:
    """Publish the demo LMS's public key for the tool to verify launches."""
    response = jsonify(platform.jwks())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.post("/token")
def token() -> Any:
    """Refuse service tokens: the demo LMS offers no Names and Roles or grade services."""
    return jsonify(
        error="invalid_scope",
        error_description="The demo LMS offers no LTI Advantage services.",
    ), 400
