"""The one place tests make their basic rows: a course on a platform of its own, a member of
it, and a mentor with a profile. Domain test helpers (journeys, requests, bulk mentors) build
on these."""

from __future__ import annotations

import itertools
from typing import Any

from lti_tool.extensions import db
from lti_tool.mentors.models import MentorProfile, MentorStatus
from lti_tool.people.models import Course, CourseRole, Membership, User
from lti_tool.platforms.models import Deployment, Registration
from lti_tool.programme.operations import accept_standards

_numbers = itertools.count(1)


def make_course(title: str = "Mentoring for adult learners") -> Course:
    """Create a course of its own platform registration and deployment."""
    number = next(_numbers)
    host = f"https://lms{number}.test"
    registration = Registration(
        issuer=host,
        client_id=f"client-{number}",
        auth_login_url=f"{host}/auth",
        auth_token_url=f"{host}/token",
        keyset_url=f"{host}/jwks",
    )
    deployment = Deployment(registration=registration, deployment_id="1", is_active=True)
    course = Course(deployment=deployment, context_id=f"course-{number}", title=title)
    db.session.add_all([registration, deployment, course])
    db.session.flush()
    return course


def make_member(
    course: Course,
    role: CourseRole = CourseRole.LEARNER,
    *,
    name: str | None = None,
    email: str | None = None,
    locale: str | None = None,
    user: User | None = None,
    is_active: bool = True,
    standards: bool = True,
) -> Membership:
    """Create a person (or reuse ``user``) with a membership of the course; learners and
    mentors have accepted the standards unless ``standards`` is false."""
    if user is None:
        number = next(_numbers)
        user = User(
            issuer=course.deployment.registration.issuer,
            subject=f"user-{number}",
            name=name if name is not None else f"Person {number}",
            email=email,
            locale=locale,
        )
    membership = Membership(course=course, user=user, role=role, is_active=is_active)
    db.session.add(membership)
    db.session.flush()
    if standards and role != CourseRole.STAFF:
        accept_standards(membership, accepted=True, confirmed_of_age=True)
    return membership


def make_mentor(
    course: Course,
    *,
    capacity: int = 3,
    status: MentorStatus = MentorStatus.APPROVED,
    contact_modes: list[str] | None = None,
    is_busy: bool = False,
    membership: Membership | None = None,
    **person: Any,
) -> MentorProfile:
    """Create a mentor of the course with a profile (approved unless told otherwise)."""
    if membership is None:
        membership = make_member(course, CourseRole.MENTOR, **person)
    profile = MentorProfile(
        course_id=course.id,
        membership=membership,
        headline="Instructional designer",
        topics=["instructional design"],
        languages=["en", "it"],
        contact_modes=contact_modes if contact_modes is not None else ["video", "phone"],
        capacity=capacity,
        is_busy=is_busy,
        status=status,
    )
    db.session.add(profile)
    db.session.flush()
    return profile
