"""Fixtures of the staff tests: a cohort with staff, mentors and learners, signed-in browsers."""

from __future__ import annotations

import types

import pytest

from lti_tool.extensions import db
from lti_tool.people.models import CourseRole
from tests.mentoring.web import sign_into
from tests.support.factories import make_course, make_member, make_mentor


@pytest.fixture
def cohort(app, snapshots):
    """A course with staff, two mentors and three learners, and another course with staff."""
    return snapshots.once((__name__, "cohort"), lambda: _cohort(app))


def _cohort(app):
    course = make_course()
    other = make_course("Another course")
    people = types.SimpleNamespace(
        course=course,
        other_course=other,
        staff=make_member(course, CourseRole.STAFF, name="Stella Staff"),
        marta=make_mentor(
            course, name="Marta Mentore", email="marta@example.org", locale="it", capacity=2
        ),
        oscar=make_mentor(course, name="Oscar Mentor", email="oscar@example.org", capacity=1),
        luca=make_member(course, name="Luca Learner", email="luca@example.org", locale="it"),
        lena=make_member(course, name="Lena Learner", email="lena@example.org", locale="en"),
        ugo=make_member(course, name="Ugo Unknown", email="ugo@example.org"),
        foreign_staff=make_member(other, CourseRole.STAFF, name="Fabio Foreign"),
        foreign_learner=make_member(other, name="Fiona Foreign", email="fiona@example.org"),
    )
    db.session.commit()
    return people


@pytest.fixture
def staff_browser(app, cohort):
    """The course staff, signed in."""
    return sign_into(app, cohort.staff)
