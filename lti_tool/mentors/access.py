"""Who may see a mentor and who may ask one for mentoring: each rule once, for operations,
views and templates alike."""

from __future__ import annotations

from flask_babel import gettext as _

from ..people.models import CourseRole, Membership
from ..programme.models import MatchingMode
from .models import MentorProfile, MentorStatus


def can_receive_requests(profile: MentorProfile) -> bool:
    """Tell whether a mentor may receive a NEW contact request.

    True only for an approved mentor (not an applicant, paused or excluded) who is active in
    the course, not busy and not full. Requests already sent are untouched by any of this:
    a mentor who turns busy or becomes full still answers them (§2).
    """
    return profile.is_taking_mentees and profile.membership.is_active


def request_barrier(member: Membership, profile: MentorProfile, mode: MatchingMode) -> str | None:
    """Return why ``member`` may not ask this mentor for mentoring, or None if they may.

    Participants send requests (SPEC §1): learners, also a learner who mentors others, and
    mentors who want a mentor of their own; never to themself, never course staff. ``mode`` is
    the course's matching mode. The journey adds what only the database knows: a request
    already waiting, a mentorship in progress (``mentoring.requests.request_refusal``).
    """
    if member.role not in (CourseRole.LEARNER, CourseRole.MENTOR):
        return _("Only learners and mentors send contact requests.")
    if profile.membership_id == member.id:
        return _("You cannot send a contact request to yourself.")
    if mode == MatchingMode.STAFF_ASSIGN:
        return _("In this course the staff pair mentors and mentees; requests are not open.")
    if not can_receive_requests(profile):
        return _("This mentor is not taking mentees at the moment.")
    return None


def can_request(member: Membership, profile: MentorProfile, mode: MatchingMode) -> bool:
    """Tell whether pages offer ``member`` a request to this mentor (:func:`request_barrier`)."""
    return request_barrier(member, profile, mode) is None


def can_view_profile(member: Membership, profile: MentorProfile) -> bool:
    """Anyone in the course sees approved and paused mentors; the owner and staff see all."""
    if member.role == CourseRole.STAFF or profile.membership_id == member.id:
        return True
    return profile.status in (MentorStatus.APPROVED, MentorStatus.PAUSED)


#: The statuses each staff decision may start from.
_ALLOWED_FROM = {
    MentorStatus.APPROVED: {MentorStatus.APPLICANT, MentorStatus.PAUSED, MentorStatus.EXCLUDED},
    MentorStatus.PAUSED: {MentorStatus.APPROVED},
    MentorStatus.EXCLUDED: {MentorStatus.APPLICANT, MentorStatus.APPROVED, MentorStatus.PAUSED},
}


def can_become(profile: MentorProfile, status: MentorStatus | str) -> bool:
    """Tell whether staff may move a mentor to ``status`` (approve, pause, exclude) from theirs."""
    return profile.status in _ALLOWED_FROM.get(MentorStatus(status), set())
