"""The tool under gunicorn with one more route, which records a last launch as a launch would
(``tests/people/test_last_launches.py``: what a worker holds when it stops)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from lti_tool import create_app
from lti_tool.people.last_launches import record_last_launch


def make() -> Flask:
    """The application, with ``/record/<membership id>/<ISO time>``."""
    app = create_app()

    @app.get("/record/<int:membership_id>/<moment>")
    def record(membership_id: int, moment: str) -> str:
        assert record_last_launch(membership_id, datetime.fromisoformat(moment))
        return "kept"

    return app
