"""How staff pair mentees with mentors (issue 5): by hand, from a CSV file, and by confirming
suggested matching. Every pair goes through :func:`mentoring.requests.assign_mentorship`, which
creates the mentorship and notifies both people. Functions flush, never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import record_event
from ..extensions import db
from ..mentoring.models import Mentorship
from ..mentoring.requests import assign_mentorship
from ..mentoring.rules import (
    require_staff,
)
from ..mentors.models import MentorProfile, MentorStatus
from ..people.models import CourseRole, Membership
from ..refusals import Refusal
from . import matching, queries
from .csv_upload import MAX_CSV_BYTES, CsvPreview, CsvRejected, one_person, read_csv

__all__ = ["MAX_CSV_BYTES", "CsvPreview", "CsvRejected"]


# --- assignment by hand and by CSV ---------------------------------------------------------


def assign_by_hand(staff: Membership, mentee_ref: str, profile_id: int | None) -> Mentorship:
    """Pair the learner an identifier names with a mentor of the course."""
    require_staff(staff, staff.course_id)
    check = check_assignment_rows(staff, [AssignmentRow(1, mentee_ref, "")], profile_id=profile_id)[
        0
    ]
    if check.error is not None:
        raise Refusal(check.error, check.field)
    assert check.mentee is not None and check.profile is not None
    try:
        return assign_mentorship(staff, check.mentee, check.profile)
    except Refusal as error:
        raise Refusal(error.message, "mentor" if error.field == "mentor" else "mentee") from error


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


def parse_assignment_csv(content: bytes | str) -> list[AssignmentRow]:
    """Read a CSV with a ``mentee,mentor`` header (e-mails or LMS user ids; ``,`` or ``;``)."""
    rows = read_csv(
        content,
        ("mentee", "mentor"),
        _("The first line must name the columns: mentee,mentor (e-mails or LMS user ids)."),
    )
    return [AssignmentRow(line, cells["mentee"], cells["mentor"]) for line, cells in rows]


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
        mentee, error = one_person(people, row.mentee_ref, _("mentee"))
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
            mentor, error = one_person(people, row.mentor_ref, _("mentor"))
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
        created.append(assign_mentorship(staff, check.mentee, check.profile))
    record_event(
        staff.course_id, staff, "cohort", staff.course_id, "assigned_from_csv", rows=len(created)
    )
    return created


# --- suggested matching --------------------------------------------------------------------


def propose_matches(
    staff: Membership, *, again: bool = False
) -> tuple[matching.Proposal, dict[int, Any], dict[int, Any]]:
    """Return the proposal for every learner who may be matched now, with learners and mentors
    by id (``again``: learners whose mentorship concluded take part too)."""
    require_staff(staff, staff.course_id)
    learners, mentors = queries.matching_facts(staff.course_id, again=again)
    proposal = matching.propose(learners, mentors)
    return (
        proposal,
        {learner.membership_id: learner for learner in learners},
        {mentor.profile_id: mentor for mentor in mentors},
    )


class MatchingRejected(Refusal):
    """Some chosen pairs break a rule; ``errors`` maps each learner id to the reason."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.by_learner = errors


def check_matches(
    staff: Membership, choices: Mapping[int, int], *, again: bool = False
) -> tuple[dict[int, Any], dict[int, Any]]:
    """Check the pairs staff chose against every rule of matching, changing nothing.

    Return the learners and mentors by id; refuse with each pair's reason (``MatchingRejected``).
    The rules: the learner may be matched now, the mentor takes mentees, the pair shares a
    language and has no declined request or early end behind it, and places suffice counting
    the other chosen pairs.
    """
    require_staff(staff, staff.course_id)
    if not choices:
        raise Refusal(_("Choose at least one pair to confirm."))
    learners, mentors = queries.matching_facts(staff.course_id, again=again)
    learner_by_id = {learner.membership_id: learner for learner in learners}
    mentor_by_id = {mentor.profile_id: mentor for mentor in mentors}
    places = {mentor.profile_id: mentor.free_places for mentor in mentors}
    errors: dict[int, str] = {}
    for learner_id, profile_id in choices.items():
        learner = learner_by_id.get(learner_id)
        mentor = mentor_by_id.get(profile_id)
        if learner is None:
            errors[learner_id] = _(
                "This learner cannot be matched now: they have a mentor, a request waiting, a "
                "concluded mentorship, a mentor profile, or they are barred."
            )
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
    return learner_by_id, mentor_by_id


def confirm_matches(
    staff: Membership, choices: Mapping[int, int], *, again: bool = False
) -> list[Mentorship]:
    """Create the mentorships staff confirmed (learner id → mentor profile id), all or none.

    Each pair is checked again (:func:`check_matches`) whatever the form sent, then created by
    :func:`assign_mentorship`, which re-checks the mentor's places under its lock.
    """
    check_matches(staff, choices, again=again)
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
        assign_mentorship(staff, members[learner_id], profiles[profile_id])
        for learner_id, profile_id in choices.items()
    ]


def preview_csv(staff: Membership, content: bytes | str) -> CsvPreview:
    """Check an uploaded assignment file row by row without saving anything."""
    return CsvPreview(check_assignment_rows(staff, parse_assignment_csv(content)))
