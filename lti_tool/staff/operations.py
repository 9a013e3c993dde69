"""What course staff change while running the programme (issue 5): assignment by hand, by CSV
and by suggested matching, and the handling of concerns (roster sync: :mod:`.roster`).

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

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import record_event
from ..extensions import db
from ..mentoring import operations as mentoring
from ..mentoring.models import Concern, ConcernStatus, Mentorship
from ..mentors.models import MentorProfile, MentorStatus
from ..models_base import utcnow
from ..people.models import CourseRole, Membership
from . import matching, queries
from .models import ConcernAction

NotAllowed = mentoring.NotAllowed

#: The largest CSV staff may upload, and its most rows.
MAX_CSV_BYTES = 512 * 1024
MAX_CSV_ROWS = 5000
MAX_ACTION_TEXT = 4000


class StaffError(ValueError):
    """A staff action refused; ``message`` is shown beside ``field``."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def require_staff(staff: Membership, course_id: int) -> None:
    """Refuse anyone but active staff of the course."""
    if staff.role != CourseRole.STAFF or staff.course_id != course_id or not staff.is_active:
        raise NotAllowed("only the course's staff run its programme")


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
