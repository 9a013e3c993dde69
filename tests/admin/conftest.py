"""Fixtures of the console tests: platform administrators launched from Open edX or Moodle."""

from __future__ import annotations

from typing import Any

import pytest

from lti_tool.platforms.claims import Role
from tests.support.html import input_values, session_token

#: What Moodle sends for a site administrator: system and institution Administrator, no Learner.
MOODLE_SITE_ADMIN_ROLES = [Role.SYSTEM_ADMINISTRATOR.value, Role.INSTITUTION_ADMINISTRATOR.value]


class Browser:
    """A launched person's browser on the console of their course."""

    def __init__(self, client: Any, course_id: int) -> None:
        self.client = client
        self.course_id = course_id

    def url(self, path: str) -> str:
        """The console address of ``path``."""
        return f"/course/{self.course_id}/admin{path}"

    def get(self, path: str = "/") -> Any:
        """Open a console page."""
        return self.client.get(self.url(path))

    def token(self) -> str:
        """A CSRF token of this browser's session (read from a page with a form)."""
        return session_token(self.client, self._read_token)

    def _read_token(self) -> str:
        page = self.client.get(f"/course/{self.course_id}/admin/keys")
        if page.status_code != 200:
            page = self.client.get(f"/course/{self.course_id}/staff/roster")
        token = input_values(page.get_data(as_text=True)).get("csrf_token")
        assert token, "no CSRF token on the page"
        return token

    def post(self, path: str, data: dict[str, Any] | None = None, token: str | None = None) -> Any:
        """Send a console form with this session's CSRF token."""
        return self.client.post(
            self.url(path), data={"csrf_token": token or self.token(), **(data or {})}
        )


def course_of(response: Any) -> int:
    """The course id a launch redirected to."""
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/course/")[1].split("/")[0])


@pytest.fixture
def launch_as(app, launch):
    """Launch someone from Open edX with a role or LIS roles; return their browser."""

    def _launch_as(user_id: str, role: str = "student", roles: list[str] | None = None) -> Browser:
        client = app.test_client()
        response = launch(client, user_id=user_id, role=role, roles=roles, name=user_id.title())
        return Browser(client, course_of(response))

    return _launch_as


@pytest.fixture
def admin(launch_as) -> Browser:
    """Open edX global staff, launched into the course."""
    return launch_as("ada-admin", role="global_staff")
