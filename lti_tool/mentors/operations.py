"""Mentor profiles (§4.1): creating and editing them, the busy switch, and staff decisions.

Every operation keeps ``search_document`` in step (the full-text index follows it, see
:mod:`.search`), records an audit event and flushes; the request layer commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import record_event
from ..extensions import db
from ..i18n import in_language_of
from ..models_base import utcnow
from ..notifications.operations import notify, notify_staff
from ..people.models import CourseRole, Membership
from ..programme.models import Programme
from ..programme.operations import programme_for
from ..refusals import NotAllowed, Refusal
from ..text import clean_text
from .access import can_become
from .guidance import STATUS_LABELS
from .models import ContactMode, MentorProfile, MentorRole, MentorStatus
from .search import LANGUAGES, index_profile, topic_key

MAX_TOPICS = 10
MAX_TOPIC_LENGTH = 60
MAX_HEADLINE_LENGTH = 200
MAX_BIO_LENGTH = 4000
MAX_LINK_LENGTH = 500

#: The profile fields a mentor edits (``create_profile`` and ``update_profile`` take them).
PROFILE_FIELDS = (
    "headline",
    "bio",
    "topics",
    "languages",
    "contact_modes",
    "roles_offered",
    "capacity",
    "link_url",
)


class ProfileError(Refusal):
    """A profile change refused; ``errors`` maps each field to a translated message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors=errors)


def parse_topics(raw: str | Iterable[str]) -> list[str]:
    """Split comma-separated topics, trim them and drop repeats (case and accents ignored).

    Raise :class:`ProfileError` when there are more than ten or one is longer than 60
    characters.
    """
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    topics: dict[str, str] = {}
    for item in items:
        label = " ".join(str(item).split())
        key = topic_key(label)
        if not key:
            continue
        if len(label) > MAX_TOPIC_LENGTH:
            raise ProfileError(
                {
                    "topics": _(
                        "Each topic can have at most %(count)s characters: “%(topic)s” is "
                        "too long.",
                        count=MAX_TOPIC_LENGTH,
                        topic=label[:20] + "…",
                    )
                }
            )
        topics.setdefault(key, label)
    if len(topics) > MAX_TOPICS:
        raise ProfileError({"topics": _("Give at most %(count)s topics.", count=MAX_TOPICS)})
    return list(topics.values())


def _choices(values: Iterable[str], allowed: Iterable[str], field: str) -> list[str]:
    """Return chosen values in their canonical order; refuse unknown ones."""
    allowed = list(allowed)
    chosen = set(values)
    if chosen - set(allowed):
        raise ProfileError({field: _("Choose only from the options shown.")})
    return [value for value in allowed if value in chosen]


def _clean_link(value: str | None) -> str | None:
    link = (value or "").strip()
    if not link:
        return None
    parts = urlsplit(link)
    if len(link) > MAX_LINK_LENGTH or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProfileError(
            {
                "link_url": _(
                    "Give a web address starting with http:// or https:// (at most "
                    "%(count)s characters).",
                    count=MAX_LINK_LENGTH,
                )
            }
        )
    return link


def profile_field_errors(programme: Programme, fields: dict[str, Any]) -> dict[str, str]:
    """Return every problem of the submitted profile fields at once (empty when all is well)."""
    try:
        _clean_fields(programme, fields)
    except ProfileError as error:
        return dict(error.errors)
    return {}


def _clean_fields(programme: Programme, fields: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise profile fields; raise ProfileError naming every bad field."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    checks = {
        "headline": lambda value: _clean_text(value, MAX_HEADLINE_LENGTH, "headline"),
        "bio": lambda value: _clean_text(value, MAX_BIO_LENGTH, "bio"),
        "topics": parse_topics,
        "languages": lambda value: _choices(value, LANGUAGES, "languages"),
        "contact_modes": lambda value: _choices(
            value, [mode.value for mode in ContactMode], "contact_modes"
        ),
        "roles_offered": lambda value: _choices(
            value, [role.value for role in MentorRole], "roles_offered"
        ),
        "capacity": lambda value: _clean_capacity(value, programme.mentor_capacity),
        "link_url": _clean_link,
    }
    for name, value in fields.items():
        try:
            cleaned[name] = checks[name](value)
        except ProfileError as error:
            errors.update(error.errors)
    if errors:
        raise ProfileError(errors)
    return cleaned


def _clean_text(value: str | None, limit: int, field: str) -> str:
    """Clean a profile text by the tool's one text rule (:func:`lti_tool.text.clean_text`)."""
    try:
        return clean_text(value, field, required=False, limit=limit)
    except Refusal as refused:
        raise ProfileError({field: refused.message}) from refused


def _clean_capacity(value: Any, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ProfileError(
            {"capacity": _("Choose a number of mentees from 1 to %(maximum)s.", maximum=maximum)}
        )
    return value


def initial_status(membership: Membership, programme: Programme) -> MentorStatus:
    """Return the status of a new profile: learners always wait for staff approval (§4.1).

    A mentor staff named themselves (designation) is approved by that choice.
    """
    if membership.role == CourseRole.MENTOR and (
        membership.is_designated_mentor or not programme.requires_mentor_approval
    ):
        return MentorStatus.APPROVED
    return MentorStatus.APPLICANT


def create_profile(
    membership: Membership, *, status: MentorStatus | None = None, **fields: Any
) -> MentorProfile:
    """Create a member's mentor profile; staff are told when it waits for their approval.

    Without ``status`` it follows :func:`initial_status`. ``fields`` are the profile fields
    (:data:`PROFILE_FIELDS`); the capacity defaults to the programme's mentor capacity.
    """
    if membership.role == CourseRole.STAFF:
        raise NotAllowed("course staff do not keep a mentor profile")
    if db.session.scalar(select(MentorProfile.id).filter_by(membership_id=membership.id)):
        raise ProfileError({"profile": _("You already have a mentor profile.")})
    programme = programme_for(membership.course)
    cleaned = _clean_fields(programme, {"capacity": programme.mentor_capacity, **fields})
    values: dict[str, Any] = {
        "headline": "",
        "bio": "",
        "topics": [],
        "languages": [],
        "contact_modes": [],
        "roles_offered": [],
        "link_url": None,
        **cleaned,
    }
    profile = MentorProfile(
        course_id=membership.course_id,
        membership=membership,
        status=status or initial_status(membership, programme),
        status_changed_at=utcnow(),
        active_mentorships=0,
        is_busy=False,
        **values,
    )
    index_profile(profile)
    db.session.add(profile)
    db.session.flush()
    record_event(
        membership.course_id,
        membership,
        "mentor_profile",
        profile.id,
        "created",
        status=profile.status.value,
    )
    if profile.status == MentorStatus.APPLICANT:
        notify_staff(
            membership.course_id,
            "mentor_application",
            dedupe_key=f"mentor_application:{profile.id}",
            mentor=_name(membership),
        )
    return profile


def open_profile(membership: Membership) -> MentorProfile:
    """Return a mentor's profile, creating it on their first visit (course mentors only)."""
    profile = db.session.scalar(select(MentorProfile).filter_by(membership_id=membership.id))
    if profile is not None:
        return profile
    if membership.role != CourseRole.MENTOR:
        raise NotAllowed("only course mentors get a profile on first visit")
    return create_profile(membership)


def volunteer(membership: Membership, **fields: Any) -> MentorProfile:
    """Let a learner offer to mentor: the profile waits for staff approval (§1, §4.1)."""
    if membership.role != CourseRole.LEARNER:
        raise NotAllowed("only learners volunteer; course mentors open a profile")
    return create_profile(membership, status=MentorStatus.APPLICANT, **fields)


def update_profile(profile: MentorProfile, actor: Membership, **fields: Any) -> MentorProfile:
    """Change what a mentor offers; only the mentor edits their own profile."""
    require_owner(profile, actor)
    programme = programme_for(profile.membership.course)
    cleaned = _clean_fields(programme, fields)
    changed = sorted(name for name, value in cleaned.items() if getattr(profile, name) != value)
    for name, value in cleaned.items():
        setattr(profile, name, value)
    refresh_search_document(profile)
    if changed:
        record_event(
            profile.course_id, actor, "mentor_profile", profile.id, "updated", fields=changed
        )
    db.session.flush()
    return profile


def set_busy(profile: MentorProfile, busy: bool, actor: Membership | None) -> MentorProfile:
    """Switch "busy" on or off: a busy mentor leaves search but answers requests already sent.

    ``actor`` None means the tool itself (repeated expiries): the time is kept in
    ``busy_set_automatically_at``. Otherwise the mentor or the course's staff act.
    """
    if actor is not None and actor.id != profile.membership_id:
        _require_staff(profile, actor)
    if profile.is_busy == busy:
        return profile
    profile.is_busy = busy
    profile.busy_set_automatically_at = utcnow() if busy and actor is None else None
    refresh_search_document(profile)
    record_event(
        profile.course_id,
        actor,
        "mentor_profile",
        profile.id,
        "busy_on" if busy else "busy_off",
        automatic=actor is None,
    )
    db.session.flush()
    return profile


def approve_mentor(profile: MentorProfile, actor: Membership) -> MentorProfile:
    """Admit an applicant, or take back a paused or excluded mentor (staff only)."""
    return _change_status(profile, actor, MentorStatus.APPROVED, "approved")


def pause_mentor(profile: MentorProfile, actor: Membership) -> MentorProfile:
    """Take an approved mentor out of search and requests for a while (staff only)."""
    return _change_status(profile, actor, MentorStatus.PAUSED, "paused")


def exclude_mentor(profile: MentorProfile, actor: Membership) -> MentorProfile:
    """Exclude a mentor from the programme; no reason is owed (standard 1, staff only)."""
    return _change_status(profile, actor, MentorStatus.EXCLUDED, "excluded")


def _change_status(
    profile: MentorProfile, actor: Membership, status: MentorStatus, action: str
) -> MentorProfile:
    _require_staff(profile, actor)
    if not can_become(profile, status):
        raise Refusal(
            _(
                "This mentor is %(current)s: that change does not apply.",
                current=STATUS_LABELS[profile.status],
            )
        )
    previous = profile.status
    profile.status = status
    profile.status_changed_at = utcnow()
    refresh_search_document(profile)
    record_event(
        profile.course_id,
        actor,
        "mentor_profile",
        profile.id,
        action,
        previous=previous.value,
    )
    mentor = profile.membership
    label = in_language_of(mentor, STATUS_LABELS[status])
    notify(
        mentor,
        "mentor_status_changed",
        link=f"/course/{profile.course_id}/mentors/me",
        status=label,
    )
    db.session.flush()
    return profile


def refresh_search_document(profile: MentorProfile) -> None:
    """Rewrite the profile's indexed document (after a change of text, facets or availability).

    The journey calls it whenever ``active_mentorships`` changes, since fullness is indexed.
    """
    index_profile(profile)


def require_owner(profile: MentorProfile, actor: Membership) -> None:
    """Refuse anyone but the mentor themself."""
    if actor.id != profile.membership_id:
        raise NotAllowed("only the mentor edits their profile")


def _require_staff(profile: MentorProfile, actor: Membership) -> None:
    if actor.role != CourseRole.STAFF or actor.course_id != profile.course_id:
        raise NotAllowed("only the course's staff decide on its mentors")


def _name(membership: Membership) -> str:
    return membership.user.display_name or _("A participant")
