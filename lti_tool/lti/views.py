"""LTI endpoints: login, launch, JWKS, deep-linking picker and dynamic registration."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.session import cookie_attributes, membership_for, sign_in
from ..extensions import csrf, db
from ..i18n import remember_launch_locale
from ..models_base import commit_rederivable
from ..people.models import Course, CourseRole
from ..people.operations import sync_launch
from ..platforms.claims import Claim
from ..platforms.models import Deployment, Registration
from ..urls import public_url
from . import dynamic_registration, operations
from .activities import ACTIVITIES
from .deep_linking import content_item, deep_link_of, returns_into_parent_frame
from .forms import DeepLinkForm
from .launch import ToolMessageLaunch
from .login import (
    STORAGE_TARGET,
    LaunchRefused,
    Refusal,
    StorageCheckNeeded,
    forget_login,
    remember_login,
    start_login,
)
from .tool_conf import InactiveDeployment

bp = Blueprint("lti", __name__, url_prefix="/lti")

#: What a person sees when a launch is refused; the technical detail goes to the log only.
REFUSAL_MESSAGES = {
    Refusal.MISSING_PARAMETERS: _l(
        "The login request from your learning platform is incomplete. "
        "Open the activity again from your course."
    ),
    Refusal.UNKNOWN_PLATFORM: _l(
        "Your learning platform is not registered with this tool. "
        "Ask your platform administrator to register it."
    ),
    Refusal.STATE: _l(
        "This launch does not match a login started from your course, or it was used already. "
        "Open the activity again from your course."
    ),
    Refusal.BROWSER: _l(
        "This launch was not started in this browser, or your browser did not keep the tool's "
        "login cookie. Open the activity again from your course; if it happens again, use "
        "“Open the tool in a new window”."
    ),
    Refusal.MISMATCH: _l(
        "This launch message does not belong to the login your course started. "
        "Open the activity again from your course."
    ),
    Refusal.TARGET_LINK: _l(
        "The launch is addressed to another address than this tool's launch address. "
        "Ask your platform administrator to check the tool's launch URL."
    ),
    Refusal.CLAIMS: _l(
        "The launch message from your learning platform has data of an unexpected form."
    ),
    Refusal.TOO_LARGE: _l("The launch message from your learning platform is too large."),
    Refusal.UNAVAILABLE: _l("The tool cannot check launches right now. Try again in a moment."),
    Refusal.NONCE: _l(
        "This launch message was used already or has expired. "
        "Open the activity again from your course."
    ),
    Refusal.MALFORMED: _l("The launch message from your learning platform could not be read."),
    Refusal.SIGNATURE: _l(
        "The launch message is not signed by your learning platform's registered key."
    ),
    Refusal.EXPIRED: _l(
        "The launch message has expired. Open the activity again from your course."
    ),
    Refusal.AUDIENCE: _l("The launch message is addressed to another tool."),
    Refusal.MESSAGE: _l(
        "The launch message is not an LTI 1.3 launch this tool understands "
        "(message type or version missing or unsupported)."
    ),
    Refusal.PLATFORM_KEYS: _l(
        "The tool could not fetch your learning platform's public keys. Try again in a moment."
    ),
    Refusal.NO_CONTEXT: _l(
        "This tool works inside a course. Add it to a course and open it from there."
    ),
}

REFUSAL_STATUS = {
    Refusal.BROWSER: 403,
    Refusal.MISMATCH: 403,
    Refusal.TOO_LARGE: 413,
    Refusal.UNAVAILABLE: 503,
    Refusal.UNKNOWN_PLATFORM: 403,
    Refusal.SIGNATURE: 403,
    Refusal.AUDIENCE: 403,
    Refusal.PLATFORM_KEYS: 502,
}


@bp.errorhandler(LaunchRefused)
def launch_refused(error: LaunchRefused) -> tuple[str, int]:
    """Explain a refused login or launch, writing nothing."""
    db.session.rollback()
    current_app.logger.warning("LTI launch refused: %s", error)
    return (
        render_template("lti/refused.html", message=REFUSAL_MESSAGES[error.reason]),
        REFUSAL_STATUS.get(error.reason, 400),
    )


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
def login() -> Any:
    """Answer the platform's third-party initiated login.

    In the LMS frame a page first checks that the browser keeps the tool's cookies there (the
    session needs them), then binds the login to this browser: through the platform's storage
    when the platform offers it, else through the login cookie. A new window always uses the
    cookie (first-party there).
    """
    continue_url = _login_continue_url()
    if request.values.get("lti1p3_new_window"):
        pending = start_login(request.values, redirect_uri=public_url("lti.launch"))
        response = redirect(pending.auth_url)
        remember_login(response, pending.state)
        response.cache_control.no_store = True
        return response
    pending = None
    if request.values.get(STORAGE_TARGET):
        pending = start_login(request.values, redirect_uri=public_url("lti.launch"))
    response = current_app.make_response(
        render_template(
            "lti/cookie_check.html",
            continue_url=continue_url,
            storage=_storage_config(pending, request.values.get(STORAGE_TARGET)),
            cookie=cookie_attributes(),
        )
    )
    response.cache_control.no_store = True
    return response


def _login_continue_url() -> str:
    """This login again, flagged to bind through the cookie (in the frame or a new window)."""
    names = (
        "iss",
        "login_hint",
        "target_link_uri",
        "lti_message_hint",
        "lti_deployment_id",
        "client_id",
    )
    params = {name: request.values[name] for name in names if request.values.get(name)}
    return url_for("lti.login", lti1p3_new_window="1", **params)


def _storage_config(pending: Any, target: str | None) -> dict[str, str] | None:
    """What the page needs to put state and nonce into the platform's storage, if offered."""
    if pending is None or not target:
        return None
    return {
        "target": target[:200],
        "origin": pending.platform_origin,
        "state": pending.state,
        "nonce": pending.nonce,
        "auth_url": pending.auth_url,
    }


@bp.post("/launch")
@csrf.exempt
def launch() -> Any:
    """Validate a launch, update who and where from its claims, and open the activity."""
    message_launch = ToolMessageLaunch()
    try:
        message_launch.validate()
    except InactiveDeployment as inactive:
        db.session.commit()  # keep the record of the deployment so an admin can activate it
        return render_template("lti/inactive_deployment.html", deployment=inactive.deployment), 403
    except StorageCheckNeeded as needed:
        return _storage_check_page(needed.pending)
    claims = message_launch.get_launch_data()
    deployment = message_launch.tool_conf.deployment
    assert deployment is not None, "validated launches have an active deployment"
    rows = message_launch.launch_rows
    membership = sync_launch(deployment.id, deployment.issuer, claims, rows)
    if message_launch.is_deep_link_launch():
        if membership.role != CourseRole.STAFF:
            commit_rederivable()
            abort(403)
        target = url_for("lti.deep_link", launch_id=message_launch.get_launch_id())
    else:
        link_id = operations.sync_resource_link(membership.course_id, claims, rows)
        target = url_for("home.activity", course_id=membership.course_id, link_id=link_id)
    sign_in(membership)  # before the commit, which would expire what it reads
    commit_rederivable()  # what the launch wrote, its next launch would write again
    remember_launch_locale((claims.get(Claim.LAUNCH_PRESENTATION) or {}).get("locale"))
    response = redirect(target, code=303)
    forget_login(response, message_launch.pending.state)
    return response


def _storage_check_page(pending: Any) -> Any:
    """A page that reads state and nonce back from the platform's storage, then re-posts."""
    response = current_app.make_response(
        render_template(
            "lti/storage_check.html",
            fields={
                "id_token": request.form.get("id_token", ""),
                "state": pending.state,
                STORAGE_TARGET: request.form.get(STORAGE_TARGET, "")[:200],
            },
            storage={
                "target": request.form.get(STORAGE_TARGET, "")[:200],
                "origin": pending.platform_origin,
                "state": pending.state,
                "nonce": pending.nonce,
            },
        )
    )
    response.cache_control.no_store = True
    return response


def _deployment_of(claims: Any, client_id: str) -> Deployment:
    deployment = db.session.scalar(
        select(Deployment)
        .join(Registration)
        .where(
            Registration.issuer == claims["iss"],
            Registration.client_id == client_id,
            Deployment.deployment_id == claims[Claim.DEPLOYMENT_ID],
        )
    )
    assert deployment is not None, "validated launches have an active deployment"
    return deployment


@bp.route("/deep-link/<launch_id>", methods=["GET", "POST"])
def deep_link(launch_id: str) -> Any:
    """Let staff pick the activities to place, and return them to the platform."""
    message_launch = ToolMessageLaunch.restore(launch_id)
    claims = message_launch.get_launch_data()
    if not message_launch.is_deep_link_launch():
        abort(404)
    deployment = _deployment_of(claims, message_launch.get_client_id())
    membership = _staff_membership_of_launch(deployment, claims)
    link = deep_link_of(message_launch)
    needs_frame = returns_into_parent_frame(claims, deployment.registration.product_family_code)
    form = DeepLinkForm(
        data={
            key: {"title": str(activity.title), "score_maximum": 100}
            for key, activity in ACTIVITIES.items()
        }
    )
    if form.validate_on_submit():
        chosen = form.chosen()
        if not chosen:
            form.form_errors.append(_l("Choose at least one activity."))
        elif len(chosen) > 1 and not link.accepts_multiple:
            form.form_errors.append(_l("Your platform accepts one activity at a time."))
        else:
            items = [
                content_item(
                    activity,
                    title=subform.title.data.strip(),
                    launch_url=public_url("lti.launch"),
                    score_maximum=(
                        subform.score_maximum.data or 100
                        if activity.is_gradable and subform.with_line_item.data
                        else None
                    ),
                )
                for activity, subform in chosen
            ]
            token = link.response_jwt(items)
            # Signing may have created the tool's first key: the platform fetches the JWKS
            # to check this answer, so the key must be stored before the page goes out.
            db.session.commit()
            return render_template(
                "lti/deep_link_return.html",
                return_url=link.settings["deep_link_return_url"],
                jwt=token,
                items=items,
                needs_frame=needs_frame,
            )
    return render_template(
        "lti/deep_link.html",
        form=form,
        membership=membership,
        settings=link.settings,
        needs_frame=needs_frame,
    )


def _staff_membership_of_launch(deployment: Deployment, claims: Any) -> Any:
    """Return the browser's staff membership in the launch's course, or refuse."""
    course = db.session.scalar(
        select(Course).filter_by(
            deployment_id=deployment.id, context_id=claims[Claim.CONTEXT]["id"]
        )
    )
    membership = membership_for(course.id) if course else None
    if membership is None:
        abort(401)
    if membership.role != CourseRole.STAFF or membership.user.subject != claims["sub"]:
        abort(403)
    return membership


@bp.get("/jwks.json")
def jwks() -> Response:
    """Publish the public keys of every unretired tool key."""
    keys = [key.public_jwk for key in operations.current_keys()]
    if not keys:
        keys = [operations.signing_key().public_jwk]
        db.session.commit()
    response = jsonify({"keys": keys})
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.route("/register", methods=["GET"])
def register() -> Any:
    """LTI Dynamic Registration as Moodle starts it (openid_configuration, registration_token)."""
    return dynamic_registration.handle_registration_request()
