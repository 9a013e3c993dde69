"""The course menu: which pages each course role reaches from every page (§1).

Domains add their pages here, with the roles that may open them; the header renders the entries
the current member may use, so nobody is shown a link that would answer 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ..admin.access import can_administer
from ..mentors.queries import has_mentor_profile
from ..people.models import CourseRole, Membership

STAFF = frozenset({CourseRole.STAFF})
PARTICIPANTS = frozenset({CourseRole.LEARNER, CourseRole.MENTOR})
EVERYONE = STAFF | PARTICIPANTS


@dataclass(frozen=True)
class NavItem:
    """One entry of the course menu; ``mentoring`` limits it to people with (or without) a
    mentor profile in the course, e.g. a learner who volunteered and was approved."""

    endpoint: str
    label: LazyString
    roles: frozenset[CourseRole]
    mentoring: bool | None = None
    #: A further rule the member must pass (e.g. being the platform's administrator).
    allowed: Callable[[Membership], bool] | None = None


@dataclass(frozen=True)
class NavLink:
    """A menu entry resolved for one member: where it leads and whether it is the current page."""

    url: str
    label: LazyString
    is_current: bool


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("home.index", _l("Home"), EVERYONE),
    NavItem("mentors.search", _l("Find a mentor"), frozenset({CourseRole.LEARNER})),
    NavItem("mentoring.my_requests", _l("My requests"), frozenset({CourseRole.LEARNER})),
    NavItem("mentoring.inbox", _l("Requests to me"), frozenset({CourseRole.MENTOR})),
    NavItem("mentoring.inbox", _l("Requests to me"), frozenset({CourseRole.LEARNER}), True),
    NavItem("mentoring.mentorships", _l("My mentorships"), PARTICIPANTS),
    NavItem("mentors.edit_profile", _l("My mentor profile"), frozenset({CourseRole.MENTOR})),
    NavItem("mentors.edit_profile", _l("My mentor profile"), frozenset({CourseRole.LEARNER}), True),
    NavItem("mentors.edit_profile", _l("Become a mentor"), frozenset({CourseRole.LEARNER}), False),
    NavItem("reflection.index", _l("Reflection"), EVERYONE),
    NavItem("reflection.guide", _l("Finding mentees online"), PARTICIPANTS),
    NavItem("staff.dashboard", _l("Dashboard"), STAFF),
    NavItem("mentors.pool", _l("Mentor pool"), STAFF),
    NavItem("designation.designate", _l("Name mentors"), STAFF),
    NavItem("staff.assign", _l("Assign mentors"), STAFF),
    NavItem("staff.matching", _l("Suggested matching"), STAFF),
    NavItem("staff.concerns", _l("Concerns"), STAFF),
    NavItem("staff.roster", _l("Course roster"), STAFF),
    NavItem("programme.settings", _l("Programme settings"), STAFF),
    NavItem("notifications.inbox", _l("Notifications"), EVERYONE),
    NavItem("privacy.my_data", _l("My data"), EVERYONE),
    NavItem("admin.index", _l("Administration"), EVERYONE, allowed=can_administer),
)


def nav_for(membership: Membership) -> list[NavLink]:
    """Return the menu entries this member may open, for pages that are installed."""
    endpoints = current_app.view_functions
    items = [
        item for item in NAV_ITEMS if membership.role in item.roles and item.endpoint in endpoints
    ]
    if any(item.mentoring is not None for item in items):
        mentoring = has_mentor_profile(membership)
        items = [item for item in items if item.mentoring in (None, mentoring)]
    return [
        NavLink(
            url=url_for(item.endpoint, course_id=membership.course_id),
            label=item.label,
            is_current=request.endpoint == item.endpoint,
        )
        for item in items
        if item.allowed is None or item.allowed(membership)
    ]
