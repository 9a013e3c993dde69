"""Rows for mentor tests: courses, members, profiles, and thousands of mentors at once."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import insert

from lti_tool.extensions import db
from lti_tool.mentors.models import MentorProfile, MentorStatus
from lti_tool.mentors.search import build_search_document, search_name
from lti_tool.people.models import Course, CourseRole, Membership, User
from tests.support.html import input_values

_numbers = itertools.count(1)


@dataclass
class MentorSpec:
    """What one bulk-seeded mentor is like."""

    name: str
    topics: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    status: MentorStatus = MentorStatus.APPROVED
    is_busy: bool = False
    capacity: int = 3
    active: int = 0
    headline: str = "Mentor with many years of experience"
    bio: str = ""
    id: int | None = None

    @property
    def is_taking_mentees(self) -> bool:
        return (
            self.status == MentorStatus.APPROVED
            and not self.is_busy
            and self.active < self.capacity
        )


def seed_mentors(course: Course, specs: Sequence[MentorSpec]) -> list[int]:
    """Insert users, memberships and profiles in three bulk statements; return profile ids.

    The documents are built as the operations build them; the index follows by itself
    (triggers on SQLite, the GIN index on PostgreSQL). Each spec gets its id.
    """
    issuer = course.deployment.registration.issuer
    batch = next(_numbers)
    user_ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {"issuer": issuer, "subject": f"bulk-{batch}-{i}", "name": s.name}
            for i, s in enumerate(specs)
        ],
    ).all()
    membership_ids = db.session.scalars(
        insert(Membership).returning(Membership.id, sort_by_parameter_order=True),
        [
            {"course_id": course.id, "user_id": user_id, "role": CourseRole.MENTOR}
            for user_id in user_ids
        ],
    ).all()
    rows: list[dict[str, Any]] = []
    for spec, membership_id in zip(specs, membership_ids, strict=True):
        rows.append(
            {
                "course_id": course.id,
                "membership_id": membership_id,
                "headline": spec.headline,
                "bio": spec.bio,
                "topics": spec.topics,
                "languages": spec.languages,
                "contact_modes": spec.modes,
                "roles_offered": spec.roles,
                "capacity": spec.capacity,
                "active_mentorships": spec.active,
                "is_busy": spec.is_busy,
                "status": spec.status,
                "search_name": search_name(spec.name),
                "search_document": build_search_document(
                    course_id=course.id,
                    status=spec.status,
                    is_taking_mentees=spec.is_taking_mentees,
                    topics=spec.topics,
                    languages=spec.languages,
                    modes=spec.modes,
                    roles=spec.roles,
                    name=spec.name,
                    headline=spec.headline,
                    bio=spec.bio,
                ),
            }
        )
    profile_ids = db.session.scalars(
        insert(MentorProfile).returning(MentorProfile.id, sort_by_parameter_order=True), rows
    ).all()
    for spec, profile_id in zip(specs, profile_ids, strict=True):
        spec.id = profile_id
    db.session.commit()
    return list(profile_ids)


def enter(
    app: Flask,
    launch: Any,
    *,
    user_id: str,
    role: str = "student",
    name: str | None = None,
    context_id: str = "course-v1:Org+Mentoring+2026",
    accept_standards: bool = True,
    locale: str | None = None,
    email: str | None = None,
) -> tuple[Any, int]:
    """Launch a person in a browser of their own; accept the standards unless told not to."""
    browser = app.test_client()
    response = launch(
        browser=browser,
        user_id=user_id,
        role=role,
        name=name or user_id.title(),
        context_id=context_id,
        locale=locale,
        email=email,
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    course_id = int(response.headers["Location"].split("/course/")[1].split("/")[0])
    if accept_standards and role != "staff":
        page = browser.get(f"/course/{course_id}/standards").get_data(as_text=True)
        accepted = browser.post(
            f"/course/{course_id}/standards",
            data={"csrf_token": input_values(page)["csrf_token"], "accept": "y", "of_age": "y"},
        )
        assert accepted.status_code == 302, accepted.status_code
    return browser, course_id


def csrf_of(browser: Any, url: str) -> str:
    """Return the CSRF token of a page's forms."""
    return input_values(browser.get(url).get_data(as_text=True))["csrf_token"]
