"""Map the roles of an LTI launch or a roster to the tool's course roles (SPEC §1)."""

from __future__ import annotations

from collections.abc import Iterable

from ..platforms.claims import INSTRUCTOR_SUBROLE_PREFIX, MENTOR_SUBROLE_PREFIX, Role
from .models import CourseRole

_STAFF = {Role.INSTRUCTOR, Role.CONTENT_DEVELOPER, Role.ADMINISTRATOR}
_SITE_ADMINS = {Role.SYSTEM_ADMINISTRATOR, Role.INSTITUTION_ADMINISTRATOR}
_MEMBERSHIP_PREFIX = Role.LEARNER.rsplit("#", 1)[0] + "#"


def normalise_role(role: str) -> str:
    """Return the full LIS URI of a role; short names (``Instructor``) are membership roles."""
    role = role.strip()
    if "://" in role:
        return role
    if role == "TeachingAssistant":
        return Role.TEACHING_ASSISTANT
    return _MEMBERSHIP_PREFIX + role


def course_role(
    roles: Iterable[str], mentor_roles: Iterable[str] = (), *, is_designated_mentor: bool = False
) -> CourseRole:
    """Derive staff, mentor or learner from LTI roles, URIs or short names.

    Staff: Instructor, ContentDeveloper, Administrator (also site administrators) and teaching
    assistants. Mentor: Mentor and its sub-roles, roles the institution configures as mentor
    roles, and a teaching-assistant sub-role held together with Learner (Open edX's Community TA
    is how a course marks learners who mentor). Everyone else is a learner.
    """
    uris = {normalise_role(role) for role in roles if role}
    configured = {normalise_role(role) for role in mentor_roles}
    is_learner = Role.LEARNER in uris
    is_mentor = (
        Role.MENTOR in uris
        or any(uri.startswith(MENTOR_SUBROLE_PREFIX) for uri in uris)
        or bool(uris & configured)
        or (is_learner and Role.TEACHING_ASSISTANT in uris)
    )
    other = uris - configured
    is_assistant = any(uri.startswith(INSTRUCTOR_SUBROLE_PREFIX) for uri in other)
    is_staff = (
        bool(other & _STAFF) or bool(other & _SITE_ADMINS) or (is_assistant and not is_learner)
    )
    if is_staff:
        return CourseRole.STAFF
    if is_mentor or is_designated_mentor:
        return CourseRole.MENTOR
    return CourseRole.LEARNER
