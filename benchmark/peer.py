"""The baselines the tool is measured against, served by gunicorn like the tool.

- ``/login`` and ``/launch``: a minimal pylti1p3 app that only validates the same messages
  (OIDC login redirect; launch validation with the platform key set in its configuration,
  state and nonce in Flask's cookie session, as pylti1p3 does by default). Nothing else.
- ``/bare``: a bare Flask route (the limit of the server).
- ``/page``: a small Jinja page (extends a base, a loop) with one ORM query.

Configured from the environment (``BENCH_PEER_CONFIG``: JSON written by the benchmark).
"""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.tool_config import ToolConfDict
from sqlalchemy import select, text

TEMPLATES = {
    "base.html": (
        "<!doctype html><html lang='en'><head><title>{% block title %}{% endblock %}</title>"
        "</head><body><main>{% block content %}{% endblock %}</main></body></html>"
    ),
    "page.html": (
        "{% extends 'base.html' %}{% block title %}Course{% endblock %}{% block content %}"
        "<h1>{{ course.title }}</h1><ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}"
        "</ul>{% endblock %}"
    ),
}


def create() -> Flask:
    """Build the peer app from ``BENCH_PEER_CONFIG``."""
    config: dict[str, Any] = json.loads(os.environ["BENCH_PEER_CONFIG"])
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config["secret_key"],
        SQLALCHEMY_DATABASE_URI=config["database_url"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
    )
    app.jinja_loader = DictLoader(TEMPLATES)
    db = SQLAlchemy(app)
    tool_conf = ToolConfDict(
        {
            config["issuer"]: [
                {
                    "default": True,
                    "client_id": config["client_id"],
                    "auth_login_url": config["auth_login_url"],
                    "auth_token_url": config["auth_token_url"],
                    "key_set_url": None,
                    "key_set": config["platform_jwks"],
                    "deployment_ids": [config["deployment_id"]],
                }
            ]
        }
    )
    tool_conf.set_private_key(
        config["issuer"], config["tool_private_pem"], client_id=config["client_id"]
    )
    tool_conf.set_public_key(
        config["issuer"], config["tool_public_pem"], client_id=config["client_id"]
    )

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        oidc = FlaskOIDCLogin(FlaskRequest(), tool_conf)
        return oidc.redirect(request.values["target_link_uri"])

    @app.post("/launch")
    def launch() -> Any:
        message_launch = FlaskMessageLaunch(FlaskRequest(), tool_conf)
        claims = message_launch.get_launch_data()
        return "validated " + claims["sub"]

    @app.get("/bare")
    def bare() -> Any:
        return "ok"

    @app.get("/page/<int:course_id>")
    def page(course_id: int) -> Any:
        row = db.session.execute(
            select(text("id, title")).select_from(text("course")).where(text("id = :id")),
            {"id": course_id},
        ).one()
        return render_template("page.html", course=row, items=["one", "two", "three"])

    return app
