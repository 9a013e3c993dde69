"""Fixtures of the programme tests."""

from __future__ import annotations

import pytest
from flask import g


@pytest.fixture(autouse=True)
def _csrf_token_per_browser(request: pytest.FixtureRequest) -> None:
    """Forget the CSRF token Flask-WTF caches on ``g`` at the start of every request.

    Test requests run inside the test's application context, so ``g`` outlives a request and
    one browser's token would otherwise be rendered into the next browser's page.
    """
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")

    @app.before_request
    def _forget_csrf_token() -> None:
        g.pop("csrf_token", None)
