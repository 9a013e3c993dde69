"""Roster sync (Names and Roles, issue 5): read the course roster page by page (staff or jobs).

Assignment by hand, by CSV and by suggested matching lives in :mod:`.assignment`; concerns in
:mod:`lti_tool.concerns`. Every staff-facing function checks that the actor is staff of the
course, refuses bad input with translated messages (``Refusal``), flushes and never commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from ..audit import record_event
from ..extensions import db
from ..lti.services import NRPS_MEDIA_TYPE, Problem, ServiceClient, ServiceError
from ..mentoring.rules import (
    require_staff,
)
from ..models_base import utcnow
from ..outbox import retry_policy
from ..people.models import Course, CourseRole, Membership, User
from ..people.operations import PROFILE_CLAIMS
from ..people.roles import course_role
from ..platforms.claims import Role, Scope
from ..refusals import Refusal
from . import queries
from .models import RosterSync, SyncStatus

#: Roster pages read per step (one web request or one job run); the page shows progress.
PAGES_PER_STEP = 2
#: Roles of site administrators: Moodle gives them instead of a course role, so they are never
#: in the course roster and must not be marked as having left it.
_SITE_ADMINS = {Role.SYSTEM_ADMINISTRATOR, Role.INSTITUTION_ADMINISTRATOR}


class SyncTakenElsewhere(Refusal):
    """Another worker stepped the same roster sync meanwhile; the caller rolls back."""

    def __init__(self) -> None:
        super().__init__(_("The roster is being read right now; the page shows its progress."))


# --- roster sync (Names and Roles) ---------------------------------------------------------


def start_roster_sync(staff: Membership) -> RosterSync:
    """Start reading the course roster, or return the run already in progress, then step it."""
    require_staff(staff, staff.course_id)
    sync = _running_sync(staff.course_id) or _new_sync(staff.course, staff)
    return continue_roster_sync(sync)


def queue_first_roster_sync(staff: Membership) -> RosterSync | None:
    """Start the course's first roster sync when staff first arrive (if the LMS offers NRPS)."""
    require_staff(staff, staff.course_id)
    course = staff.course
    if not course.nrps_url or queries.latest_sync(course.id) is not None:
        return None
    return _new_sync(course, staff)


def continue_roster_sync(
    sync: RosterSync,
    *,
    pages: int = PAGES_PER_STEP,
    client: ServiceClient | None = None,
    now: datetime | None = None,
) -> RosterSync:
    """Read up to ``pages`` more roster pages; after the last one, mark who left the course.

    A page the platform fails to give for now (5xx, timeout, connection: ``is_retryable``)
    leaves the sync running: the job runner reads the same page again after the outbox's
    back-off and goes on from there, so no page before it is read twice. Only an answer that
    needs a person (401/403: the service is not enabled, credentials refused), or the attempt
    cap, ends the sync as failed, with the explanation staff see.
    """
    if not sync.is_running:
        return sync
    course = db.session.get(Course, sync.course_id)
    assert course is not None
    try:
        client = client or ServiceClient.for_registration(course.deployment.registration)
        for _page in range(pages):
            if sync.next_url is None:
                break
            members, sync.next_url = _read_roster_page(client, sync.next_url)
            seen, added, left = apply_roster_page(course, members, sync.started_at)
            sync.pages_done += 1
            sync.members_seen += seen
            sync.members_added += added
            sync.members_left += left
            if sync.retries:
                sync.retries, sync.retry_at, sync.problem, sync.detail = 0, None, None, None
            db.session.flush()
    except StaleDataError as error:
        raise SyncTakenElsewhere() from error
    except ServiceError as error:
        policy = retry_policy()
        if error.is_retryable and sync.retries + 1 < policy.max_attempts:
            now = now or utcnow()
            sync.retries += 1
            sync.retry_at = now + policy.delay(sync.retries)
            sync.problem = error.problem.value
            sync.detail = error.detail[:2000]
            current_app.logger.warning(
                "Roster sync %s: page failed for now, read again at %s: %s",
                sync.id,
                sync.retry_at.isoformat(),
                error,
            )
            db.session.flush()
            return sync
        sync.status = SyncStatus.FAILED
        sync.problem = error.problem.value
        sync.detail = error.detail[:2000]
        sync.finished_at = utcnow()
        db.session.flush()
        return sync
    if sync.next_url is None:
        sync.members_left += _mark_absent_as_left(course, sync)
        sync.status = SyncStatus.DONE
        sync.finished_at = utcnow()
        record_event(
            course.id,
            None,
            "roster_sync",
            sync.id,
            "done",
            seen=sync.members_seen,
            added=sync.members_added,
            left=sync.members_left,
        )
    db.session.flush()
    return sync


def step_running_syncs(*, pages: int = PAGES_PER_STEP, now: datetime | None = None) -> int:
    """Job step: start the first sync of courses staff launched into, step running syncs.

    Return the number of pages read. Each run is committed on its own, so one platform that
    fails does not hold back the others.
    """
    synced = select(RosterSync.course_id)
    staff_launched = select(Membership.course_id).where(
        Membership.role == CourseRole.STAFF, Membership.last_launch_at.is_not(None)
    )
    launched = db.session.scalars(
        select(Course).where(
            Course.nrps_url.is_not(None),
            Course.id.in_(staff_launched),
            Course.id.not_in(synced),
        )
    ).all()
    for course in launched:
        _new_sync(course, None)
    db.session.commit()
    read = 0
    now = now or utcnow()
    running = select(RosterSync.id).where(
        RosterSync.status == SyncStatus.RUNNING,
        RosterSync.retry_at.is_(None) | (RosterSync.retry_at <= now),
    )
    for sync_id in db.session.scalars(running).all():
        sync = db.session.get(RosterSync, sync_id)
        if sync is None:
            continue
        before = sync.pages_done
        try:
            continue_roster_sync(sync, pages=pages, now=now)
        except SyncTakenElsewhere:
            db.session.rollback()  # another worker read these pages; it counts them
            continue
        read += sync.pages_done - before
        db.session.commit()
    return read


def apply_roster_page(
    course: Course, members: Sequence[Mapping[str, Any]], seen_at: Any
) -> tuple[int, int, int]:
    """Upsert the users and memberships of one roster page; return seen, added and left.

    Roles may be URIs or short names (Moodle); names and e-mails fill the profile only when the
    platform sends them. A member whose ``status`` is not ``Active`` is marked as having left.
    """
    issuer = course.deployment.registration.issuer
    by_subject: dict[str, Mapping[str, Any]] = {}
    for member in members:
        subject = member.get("user_id")
        if isinstance(subject, str | int) and str(subject).strip():
            by_subject[str(subject).strip()[:255]] = member
    if not by_subject:
        return 0, 0, 0
    users = {
        user.subject: user
        for user in db.session.scalars(
            select(User).where(User.issuer == issuer, User.subject.in_(by_subject))
        )
    }
    for subject in by_subject.keys() - users.keys():
        users[subject] = User(issuer=issuer, subject=subject)
        db.session.add(users[subject])
    for subject, member in by_subject.items():
        _fill_profile(users[subject], member)
    db.session.flush()
    memberships = {
        membership.user_id: membership
        for membership in db.session.scalars(
            select(Membership).where(
                Membership.course_id == course.id,
                Membership.user_id.in_([user.id for user in users.values()]),
            )
        )
    }
    mentor_roles = current_app.config["MENTOR_ROLES"]
    added = left = 0
    for subject, member in by_subject.items():
        user = users[subject]
        roles = [str(role) for role in member.get("roles") or [] if role]
        is_active = str(member.get("status") or "Active").strip().lower() == "active"
        membership = memberships.get(user.id)
        if membership is None:
            membership = Membership(course_id=course.id, user=user, is_active=is_active)
            db.session.add(membership)
            added += 1
        elif membership.is_active and not is_active:
            left += 1
        membership.role = course_role(
            roles, mentor_roles, is_designated_mentor=membership.is_designated_mentor
        )
        membership.lti_roles = roles
        membership.is_active = is_active
        membership.roster_seen_at = seen_at
    db.session.flush()
    return len(by_subject), added, left


def _fill_profile(user: User, member: Mapping[str, Any]) -> None:
    for name in PROFILE_CLAIMS:
        value = member.get(name)
        if isinstance(value, str) and value.strip():
            setattr(user, name, value.strip()[: 320 if name == "email" else 200])


def _read_roster_page(client: ServiceClient, url: str) -> tuple[list[dict[str, Any]], str | None]:
    page = client.make_service_request([Scope.NRPS], url, accept=NRPS_MEDIA_TYPE)
    body = page["body"]
    members = body.get("members") if isinstance(body, dict) else None
    if not isinstance(members, list):
        raise ServiceError(Problem.INVALID_REPLY, detail="not a membership container", url=url)
    return [member for member in members if isinstance(member, dict)], page["next_page_url"]


def _mark_absent_as_left(course: Course, sync: RosterSync) -> int:
    """Mark members this run did not see as having left (never delete them)."""
    absent = db.session.execute(
        select(Membership.id, Membership.lti_roles).where(
            Membership.course_id == course.id,
            Membership.is_active.is_(True),
            (Membership.roster_seen_at.is_(None)) | (Membership.roster_seen_at < sync.started_at),
        )
    ).all()
    ids = [
        membership_id
        for membership_id, roles in absent
        if not (set(roles or ()) & {str(role) for role in _SITE_ADMINS})
    ]
    for start in range(0, len(ids), 500):
        db.session.execute(
            update(Membership)
            .where(Membership.id.in_(ids[start : start + 500]))
            .values(is_active=False)
            .execution_options(synchronize_session="fetch")
        )
    return len(ids)


def _running_sync(course_id: int) -> RosterSync | None:
    return db.session.scalar(
        select(RosterSync).filter_by(course_id=course_id, status=SyncStatus.RUNNING).limit(1)
    )


def _new_sync(course: Course, staff: Membership | None) -> RosterSync:
    if not course.nrps_url:
        raise Refusal(
            _(
                "The LMS has not given this course a roster address: enable the Names and Roles "
                "service for the tool, then open the tool again from the course."
            )
        )
    sync = RosterSync(
        course_id=course.id,
        requested_by_id=staff.id if staff is not None else None,
        status=SyncStatus.RUNNING,
        next_url=course.nrps_url,
        started_at=utcnow(),
        pages_done=0,
        members_seen=0,
        members_added=0,
        members_left=0,
    )
    db.session.add(sync)
    db.session.flush()
    return sync
