"""Ten weeks of the demo course's past, played through the journey's own operations.

A visitor opening the staff dashboard sees what its charts and tables are for: an earlier intake
of learners (people of the course roster who are not on the demo LMS page) sent requests week
after week, mentors answered, pairs agreed goals, held contacts, concluded and evaluated; one
request expired unanswered and one concern was reported. Each step runs with the clock moved to
the moment it happened (:func:`lti_tool.models_base.clock_at`); nothing is written by hand.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update

from ..concerns.operations import report_concern
from ..evaluation.models import QuestionKind
from ..evaluation.operations import asked_questions, ensure_default_questions, field_name
from ..extensions import db
from ..mentoring import agreements, mentorships, requests
from ..mentoring.deadlines import expire_overdue_requests
from ..mentoring.models import Mentorship, MentorshipStatus
from ..mentors.models import MentorProfile
from ..models_base import clock_at, utcnow
from ..notifications.models import EmailStatus, OutboxEmail
from ..people.models import Course, Membership, User
from ..people.operations import upsert_membership, upsert_user
from ..programme.operations import accept_standards
from .platform import ISSUER
from .roster import MENTOR_PROFILES

WEEKS = 10
#: The earlier intake: given name, family name, language; two start each week.
INTAKE = (
    ("Elena", "Ferri", "it"),
    ("Tom", "Harris", "en"),
    ("Paolo", "Greco", "it"),
    ("Grace", "Lee", "en"),
    ("Irene", "Marino", "it"),
    ("Noah", "Clarke", "en"),
    ("Davide", "Costa", "it"),
    ("Lucy", "Evans", "en"),
    ("Marta", "Fontana", "it"),
    ("Jack", "Morgan", "en"),
    ("Sara", "Lombardi", "it"),
    ("Amy", "Turner", "en"),
    ("Nicola", "Rinaldi", "it"),
    ("Ella", "Brooks", "en"),
    ("Anna", "Caruso", "it"),
    ("Ben", "Walker", "en"),
    ("Giorgio", "Sala", "it"),
    ("Mia", "Hughes", "en"),
    ("Laura", "Villa", "it"),
    ("Sam", "Price", "en"),
)
SUBJECT = "demo-past-{:02d}"
EXPIRED_SUBJECT = "demo-past-expired"
LEARNER_ROLES = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
#: Days between a pair's contacts (four contacts conclude a mentorship in about two weeks).
CONTACT_EVERY_DAYS = 4
REQUEST = {
    "question": "How do I move my teaching online without losing my learners?",
    "ideas": "Short videos and a weekly call.",
    "expectations": "Feedback on my plan and a few contacts.",
}
AGREEMENT = {
    "goals": "A first online module, tried with a small group.",
    "contact_modes": ["video", "phone"],
    "frequency": "Every few days for two weeks",
    "other_commitments": "We answer messages within two days.",
}


def seed_history(course: Course) -> bool:
    """Play the demo course's ten past weeks once; return whether anything was added."""
    if db.session.scalar(select(User.id).filter_by(issuer=ISSUER, subject=SUBJECT.format(0))):
        return False
    mentors = _mentors(course)
    if not mentors:
        return False
    now = utcnow()
    last_email_before = db.session.scalar(select(func.max(OutboxEmail.id))) or 0
    start = datetime.combine((now - timedelta(weeks=WEEKS)).date(), time(9), tzinfo=now.tzinfo)
    learners = _intake(course, start)
    ensure_default_questions(course.id)
    plans = []
    for index, learner in enumerate(learners):
        week, second = divmod(index, 2)
        begins = start + timedelta(weeks=week, days=2 * second)
        plans.append((learner, mentors[index % len(mentors)], begins))
    events: list[tuple[datetime, int, Any]] = []
    for number, (learner, mentor, begins) in enumerate(plans):
        events.extend(_journey(number, learner, mentor, begins, now))
    for moment, _order, step in sorted(events, key=lambda event: (event[0], event[1])):
        with clock_at(moment):
            step()
            db.session.flush()
    _expiry(course, mentors[0], now)
    _mark_mail_as_past(last_email_before)
    return True


def _mentors(course: Course) -> list[MentorProfile]:
    """The demo's mentors who take mentees (the busy one answers nobody new)."""
    subjects = [subject for subject, offer in MENTOR_PROFILES.items() if not offer.is_busy]
    return list(
        db.session.scalars(
            select(MentorProfile)
            .join(Membership, Membership.id == MentorProfile.membership_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.course_id == course.id, User.subject.in_(subjects))
            .order_by(MentorProfile.id)
        )
    )


def _intake(course: Course, start: datetime) -> list[Membership]:
    learners = []
    with clock_at(start - timedelta(days=1)):
        for number, (given, family, language) in enumerate(INTAKE):
            user = upsert_user(
                ISSUER,
                SUBJECT.format(number),
                {"given_name": given, "family_name": family, "name": f"{given} {family}"},
            )
            user.locale = language
            db.session.flush()
            membership = upsert_membership(course, user, LEARNER_ROLES)
            db.session.flush()
            accept_standards(membership, accepted=True, confirmed_of_age=True)
            learners.append(membership)
    return learners


def _journey(
    number: int, learner: Membership, mentor: MentorProfile, begins: datetime, now: datetime
) -> list[tuple[datetime, int, Any]]:
    """The steps of one past pairing, each with the moment it happened."""
    state: dict[str, Any] = {}
    steps: list[tuple[datetime, int, Any]] = []

    def at(moment: datetime, step: Any) -> None:
        if moment < now:
            steps.append((moment, number, step))

    def send() -> None:
        state["request"] = requests.send_request(learner, mentor, preferred_mode="video", **REQUEST)

    def accept() -> None:
        state["mentorship"] = requests.accept_request(
            mentor.membership, state["request"], proposal="A first video call this week?"
        )

    def agree() -> None:
        agreement = agreements.propose_agreement(
            mentor.membership, state["mentorship"], **AGREEMENT
        )
        agreements.confirm_agreement(learner, agreement)

    at(begins, send)
    at(begins + timedelta(hours=20), accept)
    at(begins + timedelta(days=2), agree)
    for contact in range(4):
        held = begins + timedelta(days=3 + CONTACT_EVERY_DAYS * contact)

        def log(held: datetime = held, mode: str = ("video", "phone")[contact % 2]) -> None:
            mentorships.log_contact(
                learner,
                state["mentorship"],
                held_on=held.date(),
                mode=mode,
                duration_minutes=45,
            )

        at(held + timedelta(hours=2), log)
    evaluated = begins + timedelta(days=3 + CONTACT_EVERY_DAYS * 3 + 1)
    at(evaluated, lambda: _evaluate(learner, state["mentorship"]))
    at(evaluated + timedelta(hours=5), lambda: _evaluate(mentor.membership, state["mentorship"]))
    if number == 5:
        at(
            begins + timedelta(days=4),
            lambda: report_concern(
                learner,
                text="A call was moved three times; I would like to talk about it.",
                mentorship=state["mentorship"],
            ),
        )
    return steps


def _evaluate(member: Membership, mentorship: Mentorship) -> None:
    if mentorship.status == MentorshipStatus.ACTIVE:
        return
    answers: dict[str, Any] = {}
    for question in asked_questions(mentorship.course_id):
        if question.kind == QuestionKind.RATING:
            answers[field_name(question)] = 4 + (mentorship.id % 2)
        elif question.kind == QuestionKind.YES_NO:
            answers[field_name(question)] = True
        else:
            answers[field_name(question)] = "Concrete feedback at every step."
    mentorships.submit_evaluation(member, mentorship, **answers)


def _expiry(course: Course, mentor: MentorProfile, now: datetime) -> None:
    """One request nobody answered: it expires and staff are told (§4.3)."""
    sent = now - timedelta(days=20)
    with clock_at(sent - timedelta(days=1)):
        user = upsert_user(ISSUER, EXPIRED_SUBJECT, {"name": "Pietro Bassi"})
        user.locale = "it"
        db.session.flush()
        learner = upsert_membership(course, user, LEARNER_ROLES)
        db.session.flush()
        accept_standards(learner, accepted=True, confirmed_of_age=True)
    with clock_at(sent):
        requests.send_request(learner, mentor, preferred_mode="phone", **REQUEST)
        db.session.flush()
    with clock_at(now - timedelta(days=9)):
        expire_overdue_requests(now=utcnow())
        db.session.flush()


def _mark_mail_as_past(last_email_before: int) -> None:
    """The history's e-mails belong to the past: nobody is mailed them when the demo starts."""
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id > last_email_before, OutboxEmail.status == EmailStatus.QUEUED)
        .values(status=EmailStatus.SENT, sent_at=utcnow())
    )
