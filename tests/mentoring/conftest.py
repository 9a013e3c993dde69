"""A course with its people, ready for the journey (operations tested without HTTP)."""

from __future__ import annotations

import types

import pytest

from lti_tool.extensions import db
from lti_tool.people.models import CourseRole
from tests.support.factories import make_course, make_member, make_mentor


@pytest.fixture
def cohort(app, snapshots):
    """Staff, a mentor, a mentee, bystanders of the course, and people of another course."""
    return snapshots.once((__name__, "cohort"), _cohort)


def _cohort():
    course = make_course()
    other_course = make_course("Another course")
    mentor = make_mentor(course, name="Marta Mentore", email="marta@example.org", locale="it")
    people = types.SimpleNamespace(
        course=course,
        staff=make_member(course, CourseRole.STAFF, name="Stella Staff", email="s@example.org"),
        mentor=mentor,
        mentee=make_member(course, name="Luca Learner", email="luca@example.org"),
        other_learner=make_member(course, name="Olga Other"),
        other_mentor=make_mentor(course, name="Oscar Other-Mentor"),
        foreign_staff=make_member(other_course, CourseRole.STAFF, name="Fabio Foreign"),
        foreign_learner=make_member(other_course, name="Fiona Foreign"),
        foreign_mentor=make_mentor(other_course, name="Franco Foreign"),
        other_course=other_course,
    )
    db.session.commit()
    return people
