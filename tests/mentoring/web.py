"""People launched into the tool, each with their own browser, for the page tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, g
from sqlalchemy import select

from lti_tool.core.session import SESSION_KEY, USER_KEY
from lti_tool.extensions import db
from lti_tool.people.models import Membership, User
from lti_tool.programme.operations import accept_standards
from tests.support.html import input_values, session_token

COURSE = "course-v1:Org+Mentoring+2026"
OTHER_COURSE = "course-v1:Org+Other+2026"


@dataclass
class Person:
    """A launched person: their browser, their course and their membership."""

    client: Any
    course_id: int
    membership_id: int

    @property
    def membership(self) -> Membership:
        """The person's membership, fresh from the database."""
        found = db.session.get(Membership, self.membership_id)
        assert found is not None
        return found

    def url(self, path: str, course_id: int | None = None) -> str:
        """The address of a page of the person's course (or of another one)."""
        return f"/course/{course_id or self.course_id}{path}"

    def get(self, path: str, **kwargs: Any) -> Any:
        """Open a page of the person's course."""
        _fresh_g()
        return self.client.get(self.url(path), **kwargs)

    def token(self) -> str:
        """A CSRF token of the person's session, read from a form page they may open."""
        return session_token(self.client, self._read_token)

    def _read_token(self) -> str:
        for path in ("/concerns/new", "/programme/settings", "/standards"):
            page = self.get(path)
            if page.status_code == 200:
                token = input_values(page.get_data(as_text=True)).get("csrf_token")
                if token:
                    return token
        raise AssertionError("no form page to read a CSRF token from")

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Send a form of the person's course, with a valid CSRF token."""
        token = self.token()
        _fresh_g()
        return self.client.post(
            self.url(path, kwargs.pop("course_id", None)),
            data={**(data or {}), "csrf_token": token},
            **kwargs,
        )


def _fresh_g() -> None:
    """Forget what the previous request left on ``g``.

    The ``app`` fixture keeps one application context for the whole test, which every request
    of the test client reuses; Flask-WTF keeps the CSRF token of the session on ``g``, so the
    next person's page would carry the previous person's token. In production each request has
    an application context of its own.
    """
    for name in ("csrf_token", "membership"):
        g.pop(name, None)


def join(
    app: Flask,
    launch: Any,
    user_id: str,
    *,
    role: str = "student",
    name: str | None = None,
    locale: str | None = None,
    context_id: str = COURSE,
    accept: str | None = "directly",
) -> Person:
    """Launch a person from Open edX in a browser of their own; accept the standards.

    ``accept`` is ``"directly"`` (through the operation), ``"page"`` (through the standards
    page, as a person does) or None (not yet).
    """
    client = app.test_client()
    response = launch(
        browser=client,
        user_id=user_id,
        role=role,
        name=name,
        email=f"{user_id}@example.org",
        locale=locale,
        context_id=context_id,
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    course_id = int(response.headers["Location"].split("/")[2])
    membership = db.session.scalar(
        select(Membership)
        .join(User, Membership.user_id == User.id)
        .where(Membership.course_id == course_id, User.subject == user_id)
    )
    assert membership is not None
    person = Person(client, course_id, membership.id)
    if accept == "directly" and role not in {"staff", "instructor"}:
        accept_standards(membership, accepted=True, confirmed_of_age=True)
        db.session.commit()
    elif accept == "page":
        page = person.get("/standards")
        token = input_values(page.get_data(as_text=True))["csrf_token"]
        answer = client.post(
            person.url("/standards"), data={"csrf_token": token, "accept": "y", "of_age": "y"}
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)
    return person


def sign_into(app: Flask, membership: Membership) -> Person:
    """A browser signed into a membership without a launch (a course of another platform)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = {str(membership.course_id): membership.id}
        session[USER_KEY] = membership.user_id
    return Person(client, membership.course_id, membership.id)
