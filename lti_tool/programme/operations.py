"""The programme of a course and the acceptance of its standards (§2, §3)."""

from __future__ import annotations

import contextlib
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..audit import record_event
from ..extensions import db
from ..people.models import Course, CourseRole, Membership
from ..refusals import NotAllowed, Refusal
from .models import MatchingMode, PlatformDefaults, Programme, StandardsAcceptance
from .standards import STANDARDS_VERSION

#: Inclusive ranges of the numeric settings (§2).
CONTACTS_RANGE = (1, 12)
ANSWER_DEADLINE_RANGE = (1, 60)
MENTOR_CAPACITY_RANGE = (1, 10)
AUTO_BUSY_RANGE = (1, 10)

#: The settings staff edit, in the order the settings page shows them.
SETTING_FIELDS = (
    "contacts_per_mentorship",
    "answer_deadline_days",
    "reminder_days_before",
    "mentor_capacity",
    "requires_mentor_approval",
    "matching_mode",
    "expiries_before_auto_busy",
    "staff_see_evaluation_scores",
)

MATCHING_MODE_LABELS = {
    MatchingMode.LEARNERS_CHOOSE: _l("Learners choose their mentor (search and request)"),
    MatchingMode.STAFF_ASSIGN: _l("Staff assign mentors"),
    MatchingMode.BOTH: _l("Both: learners choose, and staff may assign"),
}


class ProgrammeSettingsError(Refusal):
    """Settings refused; ``errors`` maps each setting to a translated message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors=errors)


def programme_for(course: Course) -> Programme:
    """Return the course's programme (made with the course: reading it writes nothing)."""
    programme = db.session.scalar(select(Programme).filter_by(course_id=course.id))
    if programme is None:  # a course row written outside the ORM (bulk loads)
        programme = _new_programme(db.session(), course)
        db.session.flush()
    return programme


def _new_programme(session: Session, course: Course) -> Programme:
    """Add a programme for a new course, with its platform's defaults, else the seed's."""
    programme = Programme(course=course)
    registration_id = course.deployment.registration_id if course.deployment else None
    defaults = (
        session.scalar(select(PlatformDefaults).filter_by(registration_id=registration_id))
        if registration_id is not None
        else None
    )
    if defaults is not None:
        for name in SETTING_FIELDS:
            setattr(programme, name, getattr(defaults, name))
    session.add(programme)
    return programme


@event.listens_for(Session, "before_flush")
def _programme_with_each_new_course(session: Session, _context: Any, _instances: Any) -> None:
    """Every course gets its programme in the flush that creates it (the launch's), so pages
    that read the programme never write."""
    new_courses = [item for item in session.new if isinstance(item, Course)]
    if new_courses:
        with session.no_autoflush:
            for course in new_courses:
                _new_programme(session, course)


def platform_defaults_of(registration_id: int) -> PlatformDefaults | None:
    """Return the programme defaults a platform's administrators set, if they set any."""
    return db.session.scalar(select(PlatformDefaults).filter_by(registration_id=registration_id))


def has_accepted_standards(membership: Membership) -> bool:
    """Tell whether the member accepted the current version of the standards in the course."""
    return (
        db.session.scalar(
            select(StandardsAcceptance.id).filter_by(
                user_id=membership.user_id,
                course_id=membership.course_id,
                version=STANDARDS_VERSION,
            )
        )
        is not None
    )


def accept_standards(
    membership: Membership, *, accepted: bool, confirmed_of_age: bool
) -> StandardsAcceptance:
    """Record acceptance of the current standards; both confirmations are required."""
    if not accepted or not confirmed_of_age:
        raise Refusal("standards and age must both be confirmed")
    existing = db.session.scalar(
        select(StandardsAcceptance).filter_by(
            user_id=membership.user_id, course_id=membership.course_id, version=STANDARDS_VERSION
        )
    )
    if existing is not None:
        return existing
    acceptance = StandardsAcceptance(
        user_id=membership.user_id,
        course_id=membership.course_id,
        version=STANDARDS_VERSION,
        confirmed_of_age=True,
    )
    db.session.add(acceptance)
    db.session.flush()
    return acceptance


def _whole_number(value: Any, low: int, high: int) -> str | None:
    """Return an error message unless value is a whole number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return _("Enter a whole number from %(min)s to %(max)s.", min=low, max=high)
    return None


def _settings_errors(values: dict[str, Any]) -> dict[str, str]:
    """Check complete settings; return a message per setting that is out of bounds."""
    errors: dict[str, str] = {}
    for name, (low, high) in (
        ("contacts_per_mentorship", CONTACTS_RANGE),
        ("answer_deadline_days", ANSWER_DEADLINE_RANGE),
        ("mentor_capacity", MENTOR_CAPACITY_RANGE),
        ("expiries_before_auto_busy", AUTO_BUSY_RANGE),
    ):
        message = _whole_number(values[name], low, high)
        if message:
            errors[name] = message
    deadline = values["answer_deadline_days"]
    if "answer_deadline_days" not in errors:
        message = _whole_number(values["reminder_days_before"], 0, deadline - 1)
        if message:
            errors["reminder_days_before"] = _(
                "The reminder goes out between 0 and %(max)s days before the deadline of "
                "%(deadline)s days.",
                max=deadline - 1,
                deadline=deadline,
            )
    for name in ("requires_mentor_approval", "staff_see_evaluation_scores"):
        if not isinstance(values[name], bool):
            errors[name] = _("Choose yes or no.")
    if values["matching_mode"] not in set(MatchingMode):
        errors["matching_mode"] = _("Choose one of the options shown.")
    return errors


def update_programme(programme: Programme, actor: Membership, **values: Any) -> Programme:
    """Change the programme's settings (staff of its course only); audit what changed.

    Only the settings given change. Every bound is checked against the resulting settings
    (the reminder must come before the deadline); on any error nothing changes and
    :class:`ProgrammeSettingsError` names each bad setting.
    """
    if actor.role != CourseRole.STAFF or actor.course_id != programme.course_id:
        raise NotAllowed("only the course's staff change its programme")
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown programme settings: {sorted(unknown)}")
    if "matching_mode" in values:
        with contextlib.suppress(ValueError):  # reported below with the other errors
            values["matching_mode"] = MatchingMode(values["matching_mode"])
    merged = {name: getattr(programme, name) for name in SETTING_FIELDS} | values
    errors = _settings_errors(merged)
    if errors:
        raise ProgrammeSettingsError(errors)
    changes = {
        name: [_plain(getattr(programme, name)), _plain(value)]
        for name, value in values.items()
        if getattr(programme, name) != value
    }
    for name, value in values.items():
        setattr(programme, name, value)
    if changes:
        record_event(
            programme.course_id, actor, "programme", programme.id, "updated", changes=changes
        )
    db.session.flush()
    return programme


def _plain(value: Any) -> Any:
    """Return a JSON-friendly form of a setting (enums as their value)."""
    return value.value if isinstance(value, MatchingMode) else value


def update_platform_defaults(
    registration_id: int, actor: Membership, **values: Any
) -> PlatformDefaults:
    """Set the programme settings new courses of a platform start with; audit what changed.

    The same bounds as :func:`update_programme` apply; on any error nothing changes. The caller
    decides who may do this (``admin.access.can_administer``).
    """
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown programme settings: {sorted(unknown)}")
    defaults = db.session.scalar(
        select(PlatformDefaults).filter_by(registration_id=registration_id).with_for_update()
    )
    if defaults is None:
        defaults = unsaved_platform_defaults(registration_id)
        db.session.add(defaults)
    if "matching_mode" in values:
        with contextlib.suppress(ValueError):
            values["matching_mode"] = MatchingMode(values["matching_mode"])
    merged = {name: getattr(defaults, name) for name in SETTING_FIELDS} | values
    errors = _settings_errors(merged)
    if errors:
        raise ProgrammeSettingsError(errors)
    changes = {
        name: [_plain(getattr(defaults, name)), _plain(value)]
        for name, value in values.items()
        if getattr(defaults, name) != value
    }
    for name, value in values.items():
        setattr(defaults, name, value)
    db.session.flush()
    if changes:
        record_event(
            actor.course_id, actor, "platform_defaults", defaults.id, "updated", changes=changes
        )
    return defaults


def unsaved_platform_defaults(registration_id: int) -> PlatformDefaults:
    """Return (not stored) the defaults a platform has before its administrators change them."""
    defaults = PlatformDefaults(registration_id=registration_id)
    for name in SETTING_FIELDS:
        setattr(defaults, name, Programme.__table__.c[name].default.arg)
    return defaults
