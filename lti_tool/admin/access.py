"""Who administers a platform inside the tool (SPEC §1 "Institution admin")."""

from __future__ import annotations

from ..people.models import Membership
from ..platforms.claims import Role

#: Launch roles of a platform administrator: Moodle sends both for site administrators, Open
#: edX sends both for global staff (LMS-FACTS.md). A course's ``membership#Administrator`` (Open
#: edX's course instructor) administers a course, not the platform.
PLATFORM_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMINISTRATOR, Role.INSTITUTION_ADMINISTRATOR})


def can_administer(membership: Membership | None) -> bool:
    """Tell whether the member's last launch made them an administrator of its platform."""
    if membership is None or not membership.is_active:
        return False
    # The roles first: every page's menu asks, and only an administrator's needs the platform.
    if not any(role.strip() in PLATFORM_ADMIN_ROLES for role in membership.lti_roles or []):
        return False
    return membership.course.deployment.registration.is_active
