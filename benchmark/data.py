"""Benchmark data, written through the tool's own models (bulk inserts where rows are many)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, text, update

from lti_tool.extensions import db
from lti_tool.mentors.models import ContactMode, MentorRole, MentorStatus
from lti_tool.models_base import utcnow
from lti_tool.notifications.models import EmailStatus, Notification, OutboxEmail
from lti_tool.people.models import Course, CourseRole, Membership, User
from lti_tool.platforms.models import Deployment, Registration
from lti_tool.programme.operations import accept_standards
from tests.mentors.factories import MentorSpec, seed_mentors
from tests.support.factories import make_course

from . import platform

TOPICS = [
    "Leadership",
    "Career change",
    "Public speaking",
    "Finance",
    "Coaching",
    "Data analysis",
    "Project management",
    "Teaching adults",
    "Entrepreneurship",
    "Writing",
    "Research methods",
    "Negotiation",
    "Marketing",
    "Design thinking",
    "Health care",
    "Law",
    "Engineering",
    "Languages",
    "Volunteering",
    "Work-life balance",
    "Returning to study",
    "Team building",
    "Accessibility",
    "Digital skills",
    "Statistics",
    "Sales",
    "Human resources",
    "Ethics",
    "Sustainability",
    "Mentoring others",
    "Time management",
    "Job interviews",
    "Networking",
    "Public administration",
    "Social work",
    "Logistics",
    "Tourism",
    "Agriculture",
    "Crafts",
    "Music",
]
LANGUAGES = ["en", "it", "de", "fr", "es"]
FIRST_NAMES = ["Anna", "Bruno", "Chiara", "Dario", "Elena", "Franz", "Greta", "Hugo"]
MODES = [mode.value for mode in ContactMode]
ROLES = [role.value for role in MentorRole]
COMMON = [
    "work",
    "people",
    "help",
    "grow",
    "years",
    "team",
    "learning",
    "support",
    "experience",
    "change",
    "skills",
    "career",
    "projects",
    "mentor",
    "adult",
    "course",
    "listen",
    "goals",
]
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sha", "dro", "qui", "len"]


def vocabulary(size: int = 4000) -> list[str]:
    """Common words first, then made-up words: ranked, so that rank ~ rarity (Zipf-like)."""
    words = list(COMMON)
    rng = random.Random(7)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


VOCABULARY = vocabulary()
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
#: A word of rank 3,000 (a few dozen mentors per 100k): the "rare word" query.
RARE_WORD = VOCABULARY[3000]
#: A common word of the "topic + language + mode + word" query.
COMMON_WORD = "grow"


def registration() -> None:
    """Register the benchmark platform (its JWKS URL set later) with an active deployment."""
    reg = Registration(
        issuer=platform.ISSUER,
        client_id=platform.CLIENT_ID,
        auth_login_url=platform.AUTH_LOGIN_URL,
        auth_token_url=platform.AUTH_TOKEN_URL,
        keyset_url="http://127.0.0.1:9/jwks",
    )
    db.session.add(
        Deployment(registration=reg, deployment_id=platform.DEPLOYMENT_ID, is_active=True)
    )
    db.session.commit()


def set_keyset_url(url: str) -> None:
    db.session.execute(
        text("UPDATE registration SET keyset_url = :url WHERE issuer = :issuer"),
        {"url": url, "issuer": platform.ISSUER},
    )
    db.session.commit()


def course_of(context_id: str) -> Course:
    course = db.session.scalar(select(Course).filter_by(context_id=context_id))
    assert course is not None, f"no course {context_id}: launch into it first"
    return course


def member_of(course: Course, subject: str) -> Membership:
    membership = db.session.scalar(
        select(Membership)
        .join(User)
        .where(Membership.course_id == course.id, User.subject == subject)
    )
    assert membership is not None
    return membership


def launched_yesterday(subjects: list[str]) -> None:
    """Set these people's last launch a day back: their next launch records a new one."""
    yesterday = utcnow() - timedelta(days=1)
    users = select(User.id).where(User.subject.in_(subjects))
    db.session.execute(
        update(Membership).where(Membership.user_id.in_(users)).values(last_launch_at=yesterday)
    )
    db.session.commit()


def accept(course: Course, subject: str) -> None:
    """The learner accepts the standards, as the standards page does."""
    accept_standards(member_of(course, subject), accepted=True, confirmed_of_age=True)
    db.session.commit()


def mentor_specs(start: int, count: int, seed: int) -> list[MentorSpec]:
    """Mentors with varied bios, topics, languages, modes, roles and availability."""
    rng = random.Random(seed)
    specs = []
    for number in range(start, start + count):
        status = (
            MentorStatus.APPROVED
            if rng.random() < 0.9
            else rng.choice([MentorStatus.APPLICANT, MentorStatus.PAUSED, MentorStatus.EXCLUDED])
        )
        bio = " ".join(rng.choices(VOCABULARY, WEIGHTS, k=rng.randint(15, 45)))
        specs.append(
            MentorSpec(
                name=f"{rng.choice(FIRST_NAMES)} "
                f"{rng.choice(VOCABULARY[100:600]).title()} {number:07d}",
                topics=rng.sample(TOPICS, rng.randint(1, 3)),
                languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
                modes=rng.sample(MODES, rng.randint(1, 3)),
                roles=rng.sample(ROLES, rng.randint(1, 2)),
                status=status,
                is_busy=rng.random() < 0.05,
                active=rng.choice([0, 0, 0, 1, 2, 3]),
                headline=" ".join(rng.choices(VOCABULARY[:200], k=6)).capitalize(),
                bio=bio,
            )
        )
    return specs


def seed_pool(course: Course, count: int, start: int, batch: int = 5000) -> None:
    """Add ``count`` mentors to a course in bulk statements (users, memberships, profiles)."""
    for offset in range(0, count, batch):
        size = min(batch, count - offset)
        seed_mentors(course, mentor_specs(start + offset, size, seed=start + offset))


def other_course(number: int) -> Course:
    course = make_course(f"Other course {number}")
    db.session.commit()
    return course


def cohort(course: Course, learners: int, mentors: int) -> None:
    """A cohort spread over every state (the dashboard tests' generator) with its mentors."""
    from tests.staff.test_dashboard import seed_cohort

    seed_cohort(course, learners, mentors=mentors)


def due_emails(course: Course, count: int, batch: int = 5000) -> None:
    """``count`` notifications whose e-mails are due now."""
    learner = db.session.scalar(
        select(Membership).where(
            Membership.course_id == course.id, Membership.role == CourseRole.LEARNER
        )
    )
    assert learner is not None
    past = utcnow() - timedelta(minutes=1)
    for offset in range(0, count, batch):
        size = min(batch, count - offset)
        ids = db.session.scalars(
            insert(Notification).returning(Notification.id, sort_by_parameter_order=True),
            [
                {
                    "course_id": course.id,
                    "recipient_id": learner.id,
                    "kind": "benchmark",
                    "params": {},
                    "link": None,
                }
                for _ in range(size)
            ],
        ).all()
        rows: list[dict[str, Any]] = [
            {
                "notification_id": nid,
                "to_address": f"learner{nid}@example.org",
                "subject": "Benchmark",
                "body": "A benchmark e-mail.\n",
                "status": EmailStatus.QUEUED,
                "attempts": 0,
                "next_attempt_at": past,
            }
            for nid in ids
        ]
        db.session.execute(insert(OutboxEmail), rows)
    db.session.commit()


def analyse() -> None:
    """Gather planner statistics after a bulk load (what a scheduled ANALYZE would do).

    On PostgreSQL a ``VACUUM ANALYZE``: what autovacuum would otherwise start after the bulk
    load, taking a core away in the middle of the measurements that follow."""
    if db.engine.dialect.name == "postgresql":
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def queued_emails() -> int:
    return (
        db.session.scalar(
            select(db.func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.status == EmailStatus.QUEUED)
        )
        or 0
    )
