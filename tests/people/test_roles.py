"""LTI roles as Moodle and Open edX send them map to staff, mentor or learner (SPEC §1)."""

from __future__ import annotations

import pytest

from lti_tool.people.models import CourseRole
from lti_tool.people.roles import course_role

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        # Moodle: teachers, non-editing teachers and managers send Instructor.
        ([LIS + "membership#Instructor"], CourseRole.STAFF),
        # Moodle site admins: system and institution Administrator instead of Learner.
        (
            [LIS + "system/person#Administrator", LIS + "institution/person#Administrator"],
            CourseRole.STAFF,
        ),
        ([LIS + "membership#Learner"], CourseRole.LEARNER),
        # Open edX's instructor and staff.
        ([LIS + "membership#Administrator", LIS + "membership#Instructor"], CourseRole.STAFF),
        ([LIS + "membership#ContentDeveloper"], CourseRole.STAFF),
        ([LIS + "membership/Instructor#TeachingAssistant"], CourseRole.STAFF),
        # Open edX's Community TA: Learner + TeachingAssistant, the course's mentors.
        (
            [LIS + "membership#Learner", LIS + "membership/Instructor#TeachingAssistant"],
            CourseRole.MENTOR,
        ),
        ([LIS + "membership#Mentor"], CourseRole.MENTOR),
        ([LIS + "membership/Mentor#Advisor"], CourseRole.MENTOR),
        ([LIS + "membership#Learner", LIS + "membership#Mentor"], CourseRole.MENTOR),
        ([LIS + "membership#Instructor", LIS + "membership#Mentor"], CourseRole.STAFF),
        # Short names, as Names and Roles in Moodle sends them.
        (["Instructor"], CourseRole.STAFF),
        (["Learner"], CourseRole.LEARNER),
        (["Mentor"], CourseRole.MENTOR),
        (["TeachingAssistant"], CourseRole.STAFF),
        ([], CourseRole.LEARNER),
        ([LIS + "system/person#None", LIS + "institution/person#None"], CourseRole.LEARNER),
    ],
)
def test_course_role(roles, expected):
    assert course_role(roles) == expected


def test_institution_can_name_extra_mentor_roles():
    assistant = LIS + "membership/Instructor#TeachingAssistant"

    assert course_role([assistant], mentor_roles=[assistant]) == CourseRole.MENTOR
    assert (
        course_role(["TeachingAssistant"], mentor_roles=["TeachingAssistant"]) == CourseRole.MENTOR
    )
