"""The demo LMS's pages: a course page that launches the tool, and the platform's endpoints (§7)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..extensions import csrf
from ..lti.login import origin_of
from ..lti.services import LINEITEM_CONTAINER_MEDIA_TYPE, LINEITEM_MEDIA_TYPE, NRPS_MEDIA_TYPE
from ..platforms.claims import Scope
from ..urls import public_url
from . import platform, services
from .background import received_emails
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


# --- LTI Advantage services: tokens, Names and Roles, Assignment and Grade Services ----------


@bp.errorhandler(services.ServiceRefusal)
def service_refused(error: services.ServiceRefusal) -> tuple[Response, int]:
    """Answer a refused service call as OAuth / LTI Advantage platforms do: JSON and a status."""
    return jsonify(error=error.error, error_description=error.description), error.status


@bp.post("/token")
def token() -> Response:
    """Issue an access token for the tool's client-credentials request (signed assertion)."""
    response = jsonify(
        services.issue_token(
            request.form,
            client_id=platform.CLIENT_ID,
            issuer=platform.ISSUER,
            token_url=platform.platform_url("demo.token"),
        )
    )
    response.cache_control.no_store = True
    return response


@bp.get("/nrps/memberships")
def memberships() -> Response:
    """The course roster (Names and Roles): everyone, including people who never launched."""
    services.require_scope(request.headers.get("Authorization"), str(Scope.NRPS))
    response = jsonify(services.membership_container(platform.platform_url))
    response.mimetype = NRPS_MEDIA_TYPE
    return response


@bp.route("/ags/lineitems", methods=["GET", "POST"])
def line_items() -> Any:
    """List the course's line items (filtered), or create one."""
    if request.method == "POST":
        services.require_scope(request.headers.get("Authorization"), str(Scope.LINEITEM))
        item = services.create_line_item(
            request.get_json(force=True, silent=True), platform.platform_url
        )
        response = jsonify(services.public_line_item(item))
        response.mimetype = LINEITEM_MEDIA_TYPE
        return response, 201
    _require_any_scope(Scope.LINEITEM, Scope.LINEITEM_READONLY)
    found = services.line_items(
        resourceLinkId=request.args.get("resource_link_id"),
        resourceId=request.args.get("resource_id"),
        tag=request.args.get("tag"),
    )
    response = jsonify([services.public_line_item(item) for item in found])
    response.mimetype = LINEITEM_CONTAINER_MEDIA_TYPE
    return response


@bp.get("/ags/lineitems/<item_id>")
def line_item(item_id: str) -> Response:
    """Show one line item."""
    _require_any_scope(Scope.LINEITEM, Scope.LINEITEM_READONLY)
    item = services.find_line_item(item_id)
    if item is None:
        abort(404)
    response = jsonify(services.public_line_item(item))
    response.mimetype = LINEITEM_MEDIA_TYPE
    return response


@bp.post("/ags/lineitems/<item_id>/scores")
def scores(item_id: str) -> tuple[str, int]:
    """Receive a score for a line item; the gradebook page shows it."""
    services.require_scope(request.headers.get("Authorization"), str(Scope.SCORE))
    item = services.find_line_item(item_id)
    if item is None:
        abort(404)
    services.receive_score(item, request.get_json(force=True, silent=True))
    return "", 204


def _require_any_scope(*scopes: str) -> None:
    refusal = None
    for scope in scopes:
        try:
            services.require_scope(request.headers.get("Authorization"), str(scope))
        except services.ServiceRefusal as error:
            refusal = error
        else:
            return
    assert refusal is not None
    raise refusal


# --- What the tool sent the course: its e-mails and its scores ------------------------------


@bp.get("/outbox")
def outbox() -> str:
    """Show the e-mails the tool sent (the demo's local mail server), newest first."""
    people = {person.email: person for person in PEOPLE}
    return render_template(
        "demo/outbox.html", emails=list(reversed(received_emails())), people=people
    )


@bp.get("/gradebook")
def gradebook() -> str:
    """Show the course's gradebook: the line items the tool made and the scores it posted."""
    people = {person.subject: person for person in PEOPLE}
    return render_template("demo/gradebook.html", rows=services.gradebook(), people=people)
