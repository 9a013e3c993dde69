"""What course staff change while running the programme (issue 5): roster sync, assignment by
hand, by CSV and by suggested matching, and the handling of concerns.

Every function checks that the actor is staff of the course (``NotAllowed``), refuses bad input
with translated messages (``StaffError`` and friends) before changing anything, flushes and
never commits. Every assignment goes through :func:`mentoring.operations.assign_mentorship`,
which creates the mentorship and notifies both people.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from ..audit import record_event
from ..extensions import db
from ..lti.claims import Role, Scope
from ..lti.services import NRPS_MEDIA_TYPE, Problem, ServiceClient, ServiceError
from ..mentoring import operations as mentoring
from ..mentoring.models import Concern, ConcernStatus, Mentorship
from ..mentors.models import MentorProfile, MentorStatus
from ..models_base import utcnow
from ..people.models import Course, CourseRole, Membership, User
from ..people.operations import PROFILE_CLAIMS
from ..people.roles import course_role
from . import matching, queries
from .models import ConcernAction, RosterSync, SyncStatus

NotAllowed = mentoring.NotAllowed

#: Roster pages read per step (one web request or one job run); the page shows progress.
PAGES_PER_STEP = 2
#: The largest CSV staff may upload, and its most rows.
MAX_CSV_BYTES = 512 * 1024
MAX_CSV_ROWS = 5000
MAX_ACTION_TEXT = 4000
#: Roles of site administrators: Moodle gives them instead of a course role, so they are never
#: in the course roster and must not be marked as having left it.
_SITE_ADMINS = {Role.SYSTEM_ADMINISTRATOR, Role.INSTITUTION_ADMINISTRATOR}


class StaffError(ValueError):
    """A staff action refused; ``message`` is shown beside ``field``."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class SyncTakenElsewhere(StaffError):
    """Another worker stepped the same roster sync meanwhile; the caller rolls back."""

    def __init__(self) -> None:
        super().__init__(_("The roster is being read right now; the page shows its progress."))


def require_staff(staff: Membership, course_id: int) -> None:
    """Refuse anyone but active staff of the course."""
    if staff.role != CourseRole.STAFF or staff.course_id != course_id or not staff.is_active:
        raise NotAllowed("only the course's staff run its programme")


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
    sync: RosterSync, *, pages: int = PAGES_PER_STEP, client: ServiceClient | None = None
) -> RosterSync:
    """Read up to ``pages`` more roster pages; after the last one, mark who left the course."""
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
            db.session.flush()
    except StaleDataError as error:
        raise SyncTakenElsewhere() from error
    except ServiceError as error:
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


def step_running_syncs(*, pages: int = PAGES_PER_STEP) -> int:
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
    running = select(RosterSync.id).filter_by(status=SyncStatus.RUNNING)
    for sync_id in db.session.scalars(running).all():
        sync = db.session.get(RosterSync, sync_id)
        if sync is None:
            continue
        before = sync.pages_done
        try:
            continue_roster_sync(sync, pages=pages)
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
        membership.role = course_role(roles, mentor_roles)
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
        raise StaffError(
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


# --- assignment by hand and by CSV ---------------------------------------------------------


def assign_by_hand(staff: Membership, mentee_ref: str, profile_id: int | None) -> Mentorship:
    """Pair the learner an identifier names with a mentor of the course."""
    require_staff(staff, staff.course_id)
    check = check_assignment_rows(staff, [AssignmentRow(1, mentee_ref, "")], profile_id=profile_id)[
        0
    ]
    if check.error is not None:
        raise StaffError(check.error, check.field)
    assert check.mentee is not None and check.profile is not None
    try:
        return mentoring.assign_mentorship(staff, check.mentee, check.profile)
    except mentoring.MentoringError as error:
        raise StaffError(
            error.message, "mentor" if error.field == "mentor" else "mentee"
        ) from error


@dataclass
class AssignmentRow:
    """One line of an assignment CSV: the mentee's and the mentor's identifiers."""

    line: int
    mentee_ref: str
    mentor_ref: str


@dataclass
class RowCheck:
    """A row with the people it names, or why it cannot be saved."""

    row: AssignmentRow
    mentee: Membership | None = None
    profile: MentorProfile | None = None
    error: str | None = None
    field: str | None = None


class CsvRejected(ValueError):
    """The file, or some of its rows, cannot be saved; nothing was saved."""

    def __init__(self, message: str | None = None, checks: list[RowCheck] | None = None) -> None:
        super().__init__(message or "rows refused")
        self.message = message
        self.checks = checks or []


def parse_assignment_csv(content: bytes | str) -> list[AssignmentRow]:
    """Read a CSV with a ``mentee,mentor`` header (e-mails or LMS user ids; ``,`` or ``;``)."""
    if isinstance(content, bytes):
        if len(content) > MAX_CSV_BYTES:
            raise CsvRejected(_("The file is too large (at most 512 KB)."))
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise CsvRejected(_("Save the file as CSV in UTF-8 and upload it again.")) from error
    if not content.strip():
        raise CsvRejected(_("The file is empty."))
    try:
        dialect: Any = csv.Sniffer().sniff(content[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(content), dialect)
    header = [cell.strip().lower() for cell in next(reader, [])]
    if "mentee" not in header or "mentor" not in header:
        raise CsvRejected(
            _("The first line must name the columns: mentee,mentor (e-mails or LMS user ids).")
        )
    mentee_at, mentor_at = header.index("mentee"), header.index("mentor")
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_CSV_ROWS:
            raise CsvRejected(_("Upload at most %(count)s rows at once.", count=MAX_CSV_ROWS))
        rows.append(
            AssignmentRow(
                reader.line_num,
                cells[mentee_at].strip() if mentee_at < len(cells) else "",
                cells[mentor_at].strip() if mentor_at < len(cells) else "",
            )
        )
    if not rows:
        raise CsvRejected(_("The file has no rows under its header."))
    return rows


def check_assignment_rows(
    staff: Membership, rows: Sequence[AssignmentRow], *, profile_id: int | None = None
) -> list[RowCheck]:
    """Resolve and check every row, counting places as if the earlier rows were saved.

    ``profile_id`` gives the mentor of every row (assignment by hand) instead of ``mentor_ref``.
    Nothing is changed.
    """
    require_staff(staff, staff.course_id)
    course_id = staff.course_id
    refs = {row.mentee_ref for row in rows if row.mentee_ref}
    refs |= {row.mentor_ref for row in rows if row.mentor_ref}
    people = queries.members_by_identifier(course_id, refs)
    mentor_members = {member.id for row in rows for member in people.get(row.mentor_ref, [])}
    profiles = queries.profiles_of(course_id, mentor_members)
    chosen = None
    if profile_id is not None:
        chosen = db.session.scalar(
            select(MentorProfile).filter_by(id=profile_id, course_id=course_id)
        )
    used = queries.active_counts(
        course_id, {p.id for p in profiles.values()} | ({chosen.id} if chosen else set())
    )
    pairs = queries.active_pairs(course_id)
    taken: Counter[int] = Counter()
    in_file: set[tuple[int, int]] = set()
    checks = []
    for row in rows:
        check = RowCheck(row)
        checks.append(check)
        mentee, error = _one_person(people, row.mentee_ref, _("mentee"))
        if error:
            check.error, check.field = error, "mentee"
            continue
        assert mentee is not None
        if profile_id is not None:
            profile = chosen
            if profile is None:
                check.error, check.field = _("Choose one of the mentors shown."), "mentor"
                continue
        else:
            mentor, error = _one_person(people, row.mentor_ref, _("mentor"))
            if error:
                check.error, check.field = error, "mentor"
                continue
            assert mentor is not None
            profile = profiles.get(mentor.id)
            if profile is None:
                check.error = _("%(who)s has no mentor profile in this course.", who=row.mentor_ref)
                check.field = "mentor"
                continue
        check.mentee, check.profile = mentee, profile
        check.error, check.field = _row_refusal(mentee, profile, used, taken, pairs, in_file)
        if check.error is None:
            taken[profile.id] += 1
            in_file.add((mentee.id, profile.id))
    return checks


def _one_person(
    people: Mapping[str, list[Membership]], ref: str, kind: str
) -> tuple[Membership | None, str | None]:
    if not ref:
        return None, _("Give the %(kind)s's e-mail or LMS user id.", kind=kind)
    found = people.get(ref, [])
    if not found:
        return None, _("Nobody in this course has the e-mail or user id “%(ref)s”.", ref=ref)
    if len(found) > 1:
        return None, _("Several people share “%(ref)s”: use their LMS user id.", ref=ref)
    return found[0], None


def _row_refusal(
    mentee: Membership,
    profile: MentorProfile,
    used: Mapping[int, int],
    taken: Mapping[int, int],
    pairs: set[tuple[int, int]],
    in_file: set[tuple[int, int]],
) -> tuple[str | None, str | None]:
    if not mentee.is_active:
        return _("This person has left the course."), "mentee"
    if mentee.role == CourseRole.STAFF:
        return _("Course staff cannot be mentees."), "mentee"
    if profile.membership_id == mentee.id:
        return _("A mentor cannot be their own mentee."), "mentee"
    if not profile.membership.is_active:
        return _("This mentor has left the course."), "mentor"
    if profile.status != MentorStatus.APPROVED:
        return _("This mentor is not approved."), "mentor"
    if profile.is_busy:
        return _("This mentor is marked busy."), "mentor"
    if (mentee.id, profile.id) in pairs:
        return _("These two already have a mentorship in progress."), "mentee"
    if (mentee.id, profile.id) in in_file:
        return _("The same pair appears on an earlier line."), "mentee"
    if used.get(profile.id, 0) + taken.get(profile.id, 0) >= profile.capacity:
        return (
            _(
                "The mentor would have more mentees than they can take (%(capacity)s).",
                capacity=profile.capacity,
            ),
            "mentor",
        )
    return None, None


def assign_from_csv(staff: Membership, content: bytes | str) -> list[Mentorship]:
    """Create the mentorships a CSV lists, all or none: any bad row rejects the whole file."""
    rows = parse_assignment_csv(content)
    checks = check_assignment_rows(staff, rows)
    if any(check.error for check in checks):
        raise CsvRejected(checks=checks)
    created = []
    for check in checks:
        assert check.mentee is not None and check.profile is not None
        created.append(mentoring.assign_mentorship(staff, check.mentee, check.profile))
    record_event(
        staff.course_id, staff, "cohort", staff.course_id, "assigned_from_csv", rows=len(created)
    )
    return created


# --- suggested matching --------------------------------------------------------------------


def propose_matches(staff: Membership) -> tuple[matching.Proposal, dict[int, Any], dict[int, Any]]:
    """Return the proposal for every unmatched learner, with the learners and mentors by id."""
    require_staff(staff, staff.course_id)
    learners, mentors = queries.matching_facts(staff.course_id)
    proposal = matching.propose(learners, mentors)
    return (
        proposal,
        {learner.membership_id: learner for learner in learners},
        {mentor.profile_id: mentor for mentor in mentors},
    )


class MatchingRejected(ValueError):
    """Some chosen pairs break a rule; ``errors`` maps each learner id to the reason."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__("; ".join(f"{key}: {value}" for key, value in errors.items()))
        self.errors = errors


def confirm_matches(staff: Membership, choices: Mapping[int, int]) -> list[Mentorship]:
    """Create the mentorships staff confirmed (learner id → mentor profile id), all or none.

    Each pair is checked again against the rules of matching (language, exclusion, busy,
    capacity counting the other confirmed pairs), whatever the form sent.
    """
    require_staff(staff, staff.course_id)
    if not choices:
        raise StaffError(_("Choose at least one pair to confirm."))
    learners, mentors = queries.matching_facts(staff.course_id)
    learner_by_id = {learner.membership_id: learner for learner in learners}
    mentor_by_id = {mentor.profile_id: mentor for mentor in mentors}
    places = {mentor.profile_id: mentor.free_places for mentor in mentors}
    errors: dict[int, str] = {}
    for learner_id, profile_id in choices.items():
        learner = learner_by_id.get(learner_id)
        mentor = mentor_by_id.get(profile_id)
        if learner is None:
            errors[learner_id] = _("This learner already has a mentor or a request waiting.")
        elif mentor is None:
            errors[learner_id] = _("This mentor is not taking mentees at the moment.")
        elif matching.score_pair(learner, mentor) is None:
            errors[learner_id] = _(
                "This pair shares no language, or the mentor declined or ended with this "
                "learner before."
            )
        elif places[profile_id] <= 0:
            errors[learner_id] = _("The mentor has no free place left for this learner.")
        else:
            places[profile_id] -= 1
    if errors:
        raise MatchingRejected(errors)
    members = {
        member.id: member
        for member in db.session.scalars(
            select(Membership).where(
                Membership.course_id == staff.course_id, Membership.id.in_(choices)
            )
        )
    }
    profiles = {
        profile.id: profile
        for profile in db.session.scalars(
            select(MentorProfile).where(
                MentorProfile.course_id == staff.course_id,
                MentorProfile.id.in_(choices.values()),
            )
        )
    }
    return [
        mentoring.assign_mentorship(staff, members[learner_id], profiles[profile_id])
        for learner_id, profile_id in choices.items()
    ]


# --- concerns ------------------------------------------------------------------------------


def record_concern_action(staff: Membership, concern: Concern, *, text: str) -> ConcernAction:
    """Record what staff did about a concern (it stays open)."""
    require_staff(staff, concern.course_id)
    if concern.status != ConcernStatus.OPEN:
        raise StaffError(_("This concern is already closed."), "text")
    text = (text or "").strip()
    if not text:
        raise StaffError(_("This field is required."), "text")
    if len(text) > MAX_ACTION_TEXT:
        raise StaffError(_("Write at most %(limit)s characters.", limit=MAX_ACTION_TEXT), "text")
    action = ConcernAction(concern_id=concern.id, staff_id=staff.id, text=text, created_at=utcnow())
    db.session.add(action)
    db.session.flush()
    record_event(staff.course_id, staff, "concern", concern.id, "action_recorded")
    return action


def close_concern(staff: Membership, concern: Concern, *, action_taken: str) -> Concern:
    """Close a concern saying what was done (the journey's rule, for the staff pages)."""
    require_staff(staff, concern.course_id)
    try:
        return mentoring.close_concern(staff, concern, action_taken=action_taken)
    except mentoring.MentoringError as error:
        raise StaffError(error.message, error.field) from error


@dataclass
class CsvPreview:
    """The checked rows of an uploaded file, ready to show."""

    checks: list[RowCheck] = field(default_factory=list)

    @property
    def is_clean(self) -> bool:
        """Whether every row can be saved."""
        return all(check.error is None for check in self.checks)


def preview_csv(staff: Membership, content: bytes | str) -> CsvPreview:
    """Check an uploaded assignment file row by row without saving anything."""
    return CsvPreview(check_assignment_rows(staff, parse_assignment_csv(content)))
