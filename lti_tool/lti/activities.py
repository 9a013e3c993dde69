"""The activities staff can place in a course by deep linking (SPEC §6)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Activity:
    """One placeable activity: what it is called, what it offers, who may open it."""

    key: str
    title: LazyString
    description: LazyString
    is_gradable: bool = False
    is_staff_only: bool = False
    #: The page a launch of this activity opens for learners and mentors, and for staff
    #: (the programme home when unset or not installed).
    endpoint: str | None = None
    staff_endpoint: str | None = None


ACTIVITIES: dict[str, Activity] = {
    activity.key: activity
    for activity in (
        Activity(
            "home",
            _l("Mentoring programme"),
            _l("Find a mentor, send a contact request and follow your mentorship."),
        ),
        Activity(
            "reflection",
            _l("Reflection: reaching mentees online"),
            _l("Self-paced reflection questions on online mentoring, with the outreach guide."),
            is_gradable=True,
            endpoint="reflection.index",
            staff_endpoint="reflection.index",
        ),
        Activity(
            "preparation",
            _l("Contact preparation"),
            _l("Prepare each mentoring contact and record what followed."),
            is_gradable=True,
            endpoint="placements.preparation",
            staff_endpoint="staff.dashboard",
        ),
        Activity(
            "evaluation",
            _l("Mentorship evaluation"),
            _l("Both sides evaluate the process and the results at the end."),
            is_gradable=True,
            endpoint="placements.evaluation",
            staff_endpoint="staff.dashboard",
        ),
        Activity(
            "dashboard",
            _l("Mentoring dashboard (staff)"),
            _l("Follow the cohort's progress, assign mentors and handle concerns."),
            is_staff_only=True,
            staff_endpoint="staff.dashboard",
        ),
    )
}

DEFAULT_ACTIVITY = "home"


def endpoint_for(activity: Activity, is_staff: bool) -> str | None:
    """Return the page a launch of ``activity`` opens for staff or for participants."""
    return activity.staff_endpoint if is_staff else activity.endpoint


def activity_for(key: object) -> Activity:
    """Return the activity a custom parameter names, the programme home when unknown."""
    return ACTIVITIES.get(str(key), ACTIVITIES[DEFAULT_ACTIVITY]) if key else ACTIVITIES["home"]
