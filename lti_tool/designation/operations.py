"""Staff name mentors of their course; the person accepts or declines; staff withdraw (issue 9).

Moodle (and other platforms) never send a Mentor role, so a course's mentors are named here:
from the synced roster, several at once or by CSV (all or none, as the assignment CSV). The
person is invited (in-tool notice and e-mail), becomes a mentor of that course only when they
accept, and can decline. Withdrawing an accepted designation ends the person's mentoring the
way excluding a mentor does. Functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import record_event
from ..extensions import db
from ..mentoring import exclusion
from ..mentoring.rules import require_staff
from ..mentors import operations as mentor_ops
from ..mentors.models import MentorProfile, MentorStatus
from ..models_base import utcnow
from ..notifications.operations import notify, notify_staff
from ..people.models import CourseRole, Membership
from ..people.roles import course_role
from ..refusals import NotAllowed, Refusal
from ..staff import queries as staff_queries
from ..staff.csv_upload import CsvRejected, one_person, read_csv
from .models import DesignationStatus, MentorDesignation

#: The largest id a membership can have (ids beyond name nobody, without asking the database).
MAX_ID = 2**31 - 1
#: Where the invitation is answered (the notice links there).
INVITATION_PATH = "/course/{course_id}/mentor-invitation"


@dataclass
class DesignationCheck:
    """A person staff want to name, with why they cannot be (``error``), if so."""

    line: int
    ref: str
    member: Membership | None = None
    error: str | None = None


# --- who may be named --------------------------------------------------------------------


def designation_refusal(
    member: Membership, designation: MentorDesignation | None = None
) -> str | None:
    """Return why staff cannot name this member a mentor, or None when they can.

    Active learners of the course can be named (non-editing teachers arrive from Moodle as
    learners); staff cannot, nor people already mentors or already invited.
    """
    if not member.is_active:
        return _("This person has left the course.")
    if member.role == CourseRole.STAFF:
        return _("Course staff cannot be named mentors.")
    if member.barred_at is not None:
        return _("This person is barred from the programme.")
    if designation is not None and designation.status == DesignationStatus.INVITED:
        return _("This person is invited already and has not answered yet.")
    if member.role == CourseRole.MENTOR:
        return _("This person is a mentor of the course already.")
    return None


def can_answer_invitation(member: Membership, designation: MentorDesignation | None) -> bool:
    """Tell whether the member has an invitation to mentor waiting for their answer."""
    return (
        designation is not None
        and designation.membership_id == member.id
        and designation.status == DesignationStatus.INVITED
        and member.is_active
    )


# --- naming ------------------------------------------------------------------------------


def check_members(staff: Membership, membership_ids: Iterable[int]) -> list[DesignationCheck]:
    """Check members chosen on the roster page by id; ids of other courses name nobody."""
    require_staff(staff, staff.course_id)
    ids = list(dict.fromkeys(membership_ids))
    queried = [member_id for member_id in ids if 0 < member_id <= MAX_ID]
    members = {
        member.id: member
        for member in db.session.scalars(
            select(Membership).where(
                Membership.course_id == staff.course_id, Membership.id.in_(queried)
            )
        )
    }
    designations = _designations_of(staff.course_id, members)
    checks = []
    for line, membership_id in enumerate(ids, start=1):
        member = members.get(membership_id)
        check = DesignationCheck(line, str(membership_id), member)
        if member is None:
            check.error = _("This person is not in this course.")
        else:
            check.error = designation_refusal(member, designations.get(member.id))
        checks.append(check)
    return checks


def check_csv(staff: Membership, content: bytes | str) -> list[DesignationCheck]:
    """Read a ``mentor`` CSV (e-mails or LMS user ids) and check every row; change nothing."""
    require_staff(staff, staff.course_id)
    rows = read_csv(
        content,
        ("mentor",),
        _("The first line must name the column: mentor (e-mails or LMS user ids)."),
    )
    people = staff_queries.members_by_identifier(
        staff.course_id, {cells["mentor"] for _line, cells in rows if cells["mentor"]}
    )
    found = {member.id: member for members in people.values() for member in members}
    designations = _designations_of(staff.course_id, found)
    checks = []
    seen: set[int] = set()
    for line, cells in rows:
        member, error = one_person(people, cells["mentor"], _("mentor"))
        check = DesignationCheck(line, cells["mentor"], member, error)
        if member is not None and error is None:
            if member.id in seen:
                check.error = _("The same person appears on an earlier line.")
            else:
                check.error = designation_refusal(member, designations.get(member.id))
            seen.add(member.id)
        checks.append(check)
    return checks


def designate_members(staff: Membership, membership_ids: Iterable[int]) -> list[MentorDesignation]:
    """Name the chosen members mentors and invite them, all or none."""
    checks = check_members(staff, membership_ids)
    if not checks:
        raise Refusal(_("Choose at least one person."))
    return _designate(staff, checks)


def designate_from_csv(staff: Membership, content: bytes | str) -> list[MentorDesignation]:
    """Name every person a CSV lists a mentor and invite them; any bad row saves nothing."""
    return _designate(staff, check_csv(staff, content))


def _designate(staff: Membership, checks: Sequence[DesignationCheck]) -> list[MentorDesignation]:
    if any(check.error for check in checks):
        raise CsvRejected(checks=list(checks))
    # Lock every member's row, then check again: two staff may name the same people at once.
    ids = sorted(check.member.id for check in checks if check.member is not None)
    members = {
        member.id: member
        for member in db.session.scalars(
            select(Membership)
            .where(Membership.id.in_(ids), Membership.course_id == staff.course_id)
            .order_by(Membership.id)
            .with_for_update(of=Membership)
            .execution_options(populate_existing=True)
        )
    }
    designations = _designations_of(staff.course_id, members)
    for check in checks:
        assert check.member is not None
        check.error = designation_refusal(
            members[check.member.id], designations.get(check.member.id)
        )
    if any(check.error for check in checks):
        raise CsvRejected(checks=list(checks))
    now = utcnow()
    created = []
    for member_id in ids:
        member = members[member_id]
        designation = designations.get(member_id)
        if designation is None:
            designation = MentorDesignation(course_id=staff.course_id, membership=member)
            db.session.add(designation)
        designation.status = DesignationStatus.INVITED
        designation.designated_by = staff
        designation.designated_at = now
        designation.answered_at = None
        designation.withdrawn_at = None
        db.session.flush()
        record_event(staff.course_id, staff, "mentor_designation", designation.id, "invited")
        notify(
            member,
            "mentor_invitation",
            link=INVITATION_PATH.format(course_id=staff.course_id),
            course=member.course.display_title,
        )
        created.append(designation)
    db.session.flush()
    return created


# --- the person's answer -----------------------------------------------------------------


def accept_invitation(member: Membership) -> MentorProfile:
    """Accept an invitation: become a mentor of the course, with an approved profile to fill."""
    designation = _locked_designation_of(member)
    if not can_answer_invitation(member, designation):
        raise Refusal(_("There is no invitation to mentor waiting for you."))
    assert designation is not None
    role = course_role(member.lti_roles or [], _mentor_roles(), is_designated_mentor=True)
    if role == CourseRole.STAFF:  # became staff since the invitation
        raise Refusal(_("Course staff cannot be named mentors."))
    designation.status = DesignationStatus.ACCEPTED
    designation.answered_at = utcnow()
    member.is_designated_mentor = True
    member.role = role
    db.session.flush()
    profile = db.session.scalar(
        select(MentorProfile).filter_by(membership_id=member.id).with_for_update(of=MentorProfile)
    )
    if profile is None:
        profile = mentor_ops.create_profile(member, status=MentorStatus.APPROVED)
    elif profile.status != MentorStatus.APPROVED:
        # A volunteer waiting for approval, or someone excluded before: staff chose them now.
        previous = profile.status
        profile.status = MentorStatus.APPROVED
        profile.status_changed_at = utcnow()
        mentor_ops.refresh_search_document(profile)
        record_event(
            member.course_id,
            member,
            "mentor_profile",
            profile.id,
            "approved_by_designation",
            previous=previous.value,
        )
    record_event(member.course_id, member, "mentor_designation", designation.id, "accepted")
    notify_staff(
        member.course_id,
        "mentor_invitation_accepted",
        dedupe_key=f"mentor_invitation_accepted:{designation.id}:{designation.answered_at}",
        mentor=_name(member),
        course=member.course.display_title,
    )
    db.session.flush()
    return profile


def decline_invitation(member: Membership) -> MentorDesignation:
    """Decline an invitation to mentor; nothing else of the person's changes."""
    designation = _locked_designation_of(member)
    if not can_answer_invitation(member, designation):
        raise Refusal(_("There is no invitation to mentor waiting for you."))
    assert designation is not None
    designation.status = DesignationStatus.DECLINED
    designation.answered_at = utcnow()
    record_event(member.course_id, member, "mentor_designation", designation.id, "declined")
    notify_staff(
        member.course_id,
        "mentor_invitation_declined",
        dedupe_key=f"mentor_invitation_declined:{designation.id}:{designation.answered_at}",
        mentor=_name(member),
        course=member.course.display_title,
    )
    db.session.flush()
    return designation


# --- withdrawal --------------------------------------------------------------------------


def withdraw_designation(
    staff: Membership,
    designation_id: int,
    *,
    handover: Mapping[int, MentorProfile | None] | None = None,
) -> MentorDesignation:
    """Withdraw a designation of the staff's course; an accepted one ends the person's mentoring.

    The person's mentoring ends through the exclusion operation
    (:func:`lti_tool.mentoring.exclusion.remove_mentor_from_programme`): requests waiting for
    them are closed, each mentorship in progress is handed over to the mentor ``handover`` maps
    its id to, or ended by the programme. They are a learner of the course again.
    """
    require_staff(staff, staff.course_id)
    designation = db.session.scalar(
        select(MentorDesignation)
        .filter_by(id=designation_id, course_id=staff.course_id)
        .with_for_update(of=MentorDesignation)
        .execution_options(populate_existing=True)
    )
    if designation is None:
        raise NotAllowed("no such designation in this course")
    if not designation.is_open:
        raise Refusal(_("This designation was declined or withdrawn already."))
    member = _lock_member(designation.membership_id)
    was_accepted = designation.status == DesignationStatus.ACCEPTED
    designation.status = DesignationStatus.WITHDRAWN
    designation.withdrawn_at = utcnow()
    if was_accepted:
        profile = db.session.scalar(select(MentorProfile).filter_by(membership_id=member.id))
        if profile is not None and profile.status != MentorStatus.EXCLUDED:
            exclusion.remove_mentor_from_programme(
                member, by=staff, handover=handover, action="designation_withdrawn"
            )
        member.is_designated_mentor = False
        member.role = course_role(member.lti_roles or [], _mentor_roles())
    record_event(staff.course_id, staff, "mentor_designation", designation.id, "withdrawn")
    notify(
        member,
        "mentor_designation_withdrawn" if was_accepted else "mentor_invitation_withdrawn",
        course=member.course.display_title,
    )
    db.session.flush()
    return designation


# --- helpers -----------------------------------------------------------------------------


def _designations_of(course_id: int, members: Iterable[int]) -> dict[int, MentorDesignation]:
    ids = list(members)
    if not ids:
        return {}
    return {
        designation.membership_id: designation
        for designation in db.session.scalars(
            select(MentorDesignation).where(
                MentorDesignation.course_id == course_id,
                MentorDesignation.membership_id.in_(ids),
            )
        )
    }


def _locked_designation_of(member: Membership) -> MentorDesignation | None:
    designation = db.session.scalar(
        select(MentorDesignation)
        .filter_by(membership_id=member.id, course_id=member.course_id)
        .with_for_update(of=MentorDesignation)
        .execution_options(populate_existing=True)
    )
    if designation is not None:
        _lock_member(member.id)
    return designation


def _lock_member(member_id: int) -> Membership:
    """Lock a membership row and reload it (only that table: its relations may be joined)."""
    locked = db.session.scalar(
        select(Membership)
        .filter_by(id=member_id)
        .with_for_update(of=Membership)
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked


def _mentor_roles() -> list[str]:
    return list(current_app.config["MENTOR_ROLES"])


def _name(member: Membership) -> str:
    return member.user.display_name or _("A participant")
