"""The reflection activity's rules (§5): questions per course, drafts, versions, sharing.

One function per verb; each checks who may act (``NotAllowed``) and the rules of the move
(``Refusal`` with a translated message and its form field). Functions flush, never
commit.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..gradebook import operations as gradebook
from ..mentoring.models import Mentorship
from ..mentors.models import MentorProfile, MentorStatus
from ..models_base import utcnow
from ..people.models import CourseRole, Membership
from ..questionnaires.operations import next_position, question_text, require_staff
from ..refusals import NotAllowed, Refusal
from ..text import clean_text
from .content import DEFAULT_QUESTIONS, Audience
from .models import ReflectionAnswer, ReflectionQuestion, ReflectionRevision

#: Characters an answer or a question may have at most.
MAX_ANSWER = 10_000
ACTIVITY = "reflection"


def audiences_for(role: CourseRole, is_approved_mentor: bool, is_mentee: bool) -> set[Audience]:
    """Return the audiences whose questions a person answers (§5).

    Staff answer the questions for staff and those for mentors; course mentors, and learners
    approved as mentors, the mentors' questions; learners the mentees' questions (a learner
    approved as a mentor only when they are someone's mentee too); everyone the questions for
    everyone.
    """
    if role == CourseRole.STAFF:
        return {Audience.STAFF, Audience.MENTORS, Audience.EVERYONE}
    if role == CourseRole.MENTOR:
        return {Audience.MENTORS, Audience.EVERYONE}
    if is_approved_mentor:
        found = {Audience.MENTORS, Audience.EVERYONE}
        return found | {Audience.MENTEES} if is_mentee else found
    return {Audience.MENTEES, Audience.EVERYONE}


def audiences_of(member: Membership) -> set[Audience]:
    """Return the audiences whose questions the member answers."""
    if member.role != CourseRole.LEARNER:
        return audiences_for(member.role, False, False)
    is_mentor = _is_approved_mentor(member)
    return audiences_for(member.role, is_mentor, is_mentor and _is_mentee(member))


def _is_approved_mentor(member: Membership) -> bool:
    return (
        db.session.scalar(
            select(MentorProfile.id).filter_by(
                membership_id=member.id, status=MentorStatus.APPROVED
            )
        )
        is not None
    )


def _is_mentee(member: Membership) -> bool:
    return (
        db.session.scalar(select(Mentorship.id).filter_by(mentee_id=member.id).limit(1)) is not None
    )


def is_asked_of(member: Membership, question: ReflectionQuestion) -> bool:
    """Tell whether the question is addressed to the member (by its audience)."""
    return question.audience in audiences_of(member)


def ensure_default_questions(course_id: int) -> None:
    """Give a course the default questions the first time its reflection is opened."""
    if db.session.scalar(select(ReflectionQuestion.id).filter_by(course_id=course_id).limit(1)):
        return
    try:
        with db.session.begin_nested():
            for position, (key, (audience, _words)) in enumerate(
                DEFAULT_QUESTIONS.items(), start=1
            ):
                db.session.add(
                    ReflectionQuestion(
                        course_id=course_id, key=key, audience=audience, position=position
                    )
                )
    except IntegrityError:
        pass  # another request gave the course its questions at the same moment


def _answer_for(member: Membership, question: ReflectionQuestion) -> ReflectionAnswer:
    """Return the member's answer row for a question, creating it (empty) when absent."""
    if question.course_id != member.course_id:
        raise NotAllowed("a question of another course")
    if not is_asked_of(member, question):
        raise NotAllowed("the question is addressed to others")
    if question.is_retired:
        raise Refusal(_("This question is no longer asked."))
    answer = db.session.scalar(
        select(ReflectionAnswer).filter_by(question_id=question.id, author_id=member.id)
    )
    if answer is None:
        answer = ReflectionAnswer(
            course_id=member.course_id, question_id=question.id, author_id=member.id
        )
        db.session.add(answer)
    return answer


def save_draft(
    member: Membership,
    question: ReflectionQuestion,
    *,
    text: str,
    share_with_partner: bool,
    share_with_staff: bool,
) -> ReflectionAnswer:
    """Keep the text typed so far (autosave); it is no new version and completes nothing."""
    answer = _answer_for(member, question)
    if len(text or "") > MAX_ANSWER:
        raise Refusal(_("Write at most %(max)d characters.", max=MAX_ANSWER), "text")
    answer.draft_text = text or ""
    answer.draft_saved_at = utcnow()
    answer.is_shared_with_partner = bool(share_with_partner)
    answer.is_shared_with_staff = bool(share_with_staff)
    db.session.flush()
    return answer


def submit_answer(
    member: Membership,
    question: ReflectionQuestion,
    *,
    text: str,
    share_with_partner: bool,
    share_with_staff: bool,
) -> ReflectionAnswer:
    """Save the answer as a new version; completing the last question queues the score."""
    answer = _answer_for(member, question)
    cleaned = clean_text(text, "text", required=True, limit=MAX_ANSWER)
    was_complete = is_complete(member)
    now = utcnow()
    answer.is_shared_with_partner = bool(share_with_partner)
    answer.is_shared_with_staff = bool(share_with_staff)
    answer.draft_text = None
    answer.draft_saved_at = None
    latest = answer.latest
    if latest is None or latest.text != cleaned:
        number = (latest.number if latest else 0) + 1
        answer.revisions.append(ReflectionRevision(number=number, text=cleaned, submitted_at=now))
        answer.submitted_at = now
    db.session.flush()
    if not was_complete and is_complete(member):
        gradebook.queue_completion_scores(member, ACTIVITY, now)
    return answer


def is_complete(member: Membership) -> bool:
    """Tell whether the member has saved an answer to every question still asked of them."""
    asked = select(ReflectionQuestion.id).where(
        ReflectionQuestion.course_id == member.course_id,
        ReflectionQuestion.retired_at.is_(None),
        ReflectionQuestion.audience.in_(audiences_of(member)),
    )
    total = db.session.scalar(select(func.count()).select_from(asked.subquery())) or 0
    answered = (
        db.session.scalar(
            select(func.count(ReflectionAnswer.id)).where(
                ReflectionAnswer.author_id == member.id,
                ReflectionAnswer.question_id.in_(asked),
                ReflectionAnswer.submitted_at.is_not(None),
            )
        )
        or 0
    )
    return total > 0 and answered >= total


# --- questions (staff) -----------------------------------------------------------------------


def add_question(
    staff: Membership, *, text: str, audience: str = Audience.EVERYONE
) -> ReflectionQuestion:
    """Add a question of the staff's own, for an audience, at the end of the course's list."""
    require_staff(staff)
    ensure_default_questions(staff.course_id)
    cleaned = question_text(text)
    try:
        chosen = Audience(audience)
    except ValueError:
        raise Refusal(_("Choose among the options shown."), "audience") from None
    question = ReflectionQuestion(
        course_id=staff.course_id,
        text=cleaned,
        audience=chosen,
        position=next_position(ReflectionQuestion, staff.course_id),
    )
    db.session.add(question)
    db.session.flush()
    return question


def set_audience(staff: Membership, question: ReflectionQuestion, *, audience: str) -> None:
    """Address a question to another audience (mentors and staff, mentees, staff, everyone)."""
    require_staff(staff, question)
    try:
        question.audience = Audience(audience)
    except ValueError:
        raise Refusal(_("Choose among the options shown."), "audience") from None
    db.session.flush()
