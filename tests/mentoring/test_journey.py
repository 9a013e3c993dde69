"""The whole journey through the HTTP client, in English, Italian and German (issue 3, acceptance 1;
issue 14, acceptance 1: no English sentence of the catalogue on any page of another language):
standards → search → request → accept → agreement confirmed by both → four contacts, each
prepared by both → concluded → both evaluations."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from lti_tool.evaluation.models import Evaluation
from lti_tool.extensions import db
from lti_tool.mentoring.models import (
    Agreement,
    ContactLog,
    ContactRequest,
    MenteePreparation,
    MentorPreparation,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from lti_tool.mentors.models import MentorProfile, MentorStatus
from lti_tool.mentors.operations import create_profile
from lti_tool.models_base import clock_at
from lti_tool.notifications.models import Notification

from .factories import AGREEMENT, MENTEE_FORM, MENTOR_FORM, REQUEST
from .web import Person, join

FOUR_WEEKS_AGO = datetime.now(UTC) - timedelta(days=28)

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "translations" / "en" / "LC_MESSAGES" / "messages.po"
)


@lru_cache
def _plain_sentences() -> list[str]:
    """The catalogue's texts of three words or more without placeholders or markup (read once)."""
    with CATALOGUE.open("rb") as handle:
        ids = [m.id for m in read_po(handle) if isinstance(m.id, str) and m.id]
    return [
        i for i in ids if "%" not in i and "{" not in i and "<" not in i and len(i.split()) >= 3
    ]


@lru_cache
def _english_sentences(language: str) -> set[str]:
    """The catalogue's English texts of three words or more that the language translates."""
    plain = _plain_sentences()
    with force_locale(language):
        translated = {i for i in plain if gettext(i) != i}
    assert len(translated) > 300, language  # the check has something to look for
    return translated


def _visible_text(page: str) -> str:
    """The page's text as a reader sees it (tags and scripts removed, spaces collapsed)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _visit(person: Person, path: str, language: str) -> str:
    """Open a page and check it renders in the person's language, with no English sentence left."""
    response = person.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, (path, page)
    assert f'<html lang="{language}">' in page, path
    if language != "en":
        text = _visible_text(page)
        english = sorted(s for s in _english_sentences(language) if s in text)
        assert english == [], (path, english)
    return page


def _send(person: Person, path: str, data: dict) -> str:
    """Send a form of a page just visited; return where it led."""
    response = person.post(path, data)
    assert response.status_code == 302, (path, response.get_data(as_text=True))
    return response.headers["Location"]


def _make_profile(mentor: Person) -> MentorProfile:
    """The mentor's approved profile, made by the mentor profiles' own operation."""
    fields = {
        "headline": "Instructional designer, formerly a teacher",
        "topics": ["instructional design", "career change"],
        "languages": ["en", "it"],
        "contact_modes": ["video", "phone"],
    }
    profile = create_profile(mentor.membership, status=MentorStatus.APPROVED, **fields)
    db.session.commit()
    return profile


@pytest.mark.parametrize(
    "locale", [None, "it", "de", "fr"], ids=["english", "italian", "german", "french"]
)
def test_the_whole_journey(app, launch, locale):
    language = locale or "en"
    mentee = join(app, launch, "journey-mentee", name="Luca Learner", locale=locale, accept=None)
    mentor = join(
        app,
        launch,
        "journey-mentor",
        role="Community TA",
        name="Marta Mentore",
        locale=locale,
        accept=None,
    )

    # 1. Standards first: a mentoring page sends each of them to accept the standards.
    for person in (mentee, mentor):
        gate = person.get("/mentorships")
        assert gate.status_code == 302 and "/standards" in gate.headers["Location"]
        _visit(person, "/standards", language)
        back = _send(
            person,
            "/standards",
            {"accept": "y", "of_age": "y", "next": (f"/course/{person.course_id}/mentorships")},
        )
        assert back.endswith("/mentorships")
        _visit(person, "/mentorships", language)

    # 2. The mentor keeps a profile; the mentee finds them.
    profile = _make_profile(mentor)
    request_path = f"/requests/new/{profile.id}"
    if "mentors.search" in current_app.view_functions:
        results = _visit(mentee, "/mentors?q=instructional+design", language)
        assert "Marta Mentore" in results
        shown = _visit(mentee, f"/mentors/{profile.id}", language)
        assert mentee.url(request_path) in shown

    # 3. The request, four weeks ago (the four contacts below are dated over those weeks, and
    #    none can precede the mentorship).
    _visit(mentee, request_path, language)
    with clock_at(FOUR_WEEKS_AGO):
        detail = _send(
            mentee,
            request_path,
            {
                "question": REQUEST["question"],
                "ideas": REQUEST["ideas"],
                "expectations": REQUEST["expectations"],
                "mode": "video",
            },
        )
    request = db.session.scalar(select(ContactRequest))
    assert detail.endswith(f"/requests/{request.id}")
    _visit(mentee, f"/requests/{request.id}", language)
    _visit(mentee, "/requests", language)

    # 4. The mentor answers: accepted, with a proposal.
    inbox = _visit(mentor, "/requests/inbox", language)
    assert f"/requests/{request.id}" in inbox
    _visit(mentor, f"/requests/{request.id}", language)
    with clock_at(FOUR_WEEKS_AGO + timedelta(hours=3)):
        started = _send(
            mentor, f"/requests/{request.id}/accept", {"proposal": "A video call on Tuesday?"}
        )
    mentorship = db.session.scalar(select(Mentorship))
    base = f"/mentorships/{mentorship.id}"
    assert started.endswith(base)
    assert db.session.get(ContactRequest, request.id).status == RequestStatus.ACCEPTED

    # 5. The agreement, proposed by the mentee and confirmed by the mentor.
    _visit(mentee, base, language)
    _send(
        mentee,
        f"{base}/agreement",
        {
            "goals": AGREEMENT["goals"],
            "contact_modes": AGREEMENT["contact_modes"],
            "frequency": AGREEMENT["frequency"],
            "other_commitments": AGREEMENT["other_commitments"],
        },
    )
    agreement = db.session.scalar(select(Agreement))
    _visit(mentor, base, language)
    _send(mentor, f"{base}/agreement/{agreement.id}/confirm", {})
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).is_confirmed

    # 6. Four contacts, each prepared by both beforehand.
    for number in range(1, 5):
        _visit(mentor, f"{base}/contacts/{number}", language)
        _send(
            mentor,
            f"{base}/contacts/{number}",
            {
                "offered_last": MENTOR_FORM["offered_last"] if number > 1 else [],
                "offered_notes": MENTOR_FORM["offered_notes"],
                "offer_next": MENTOR_FORM["offer_next"],
                "techniques_used": MENTOR_FORM["techniques_used"] if number > 1 else [],
                "techniques_notes": MENTOR_FORM["techniques_notes"],
                "techniques_more": MENTOR_FORM["techniques_more"],
                "mentee_needs": MENTOR_FORM["mentee_needs"],
                "next_goals": MENTOR_FORM["next_goals"],
            },
        )
        _visit(mentee, f"{base}/contacts/{number}", language)
        _send(mentee, f"{base}/contacts/{number}", MENTEE_FORM)
        logger = mentee if number % 2 else mentor
        _send(
            logger,
            f"{base}/contacts",
            {
                "held_on": (date.today() - timedelta(days=7 * (4 - number))).isoformat(),
                "mode": "video" if number % 2 else "phone",
                "duration_minutes": "55",
            },
        )
        page = _visit(mentee, base, language)
        assert f'<progress id="contacts-progress" max="4" value="{number}">' in page

    db.session.expire_all()
    mentorship = db.session.get(Mentorship, mentorship.id)
    assert mentorship.status == MentorshipStatus.CONCLUDED
    assert mentorship.contacts_done == 4
    assert db.session.get(MentorProfile, profile.id).active_mentorships == 0
    assert len(db.session.scalars(select(ContactLog)).all()) == 4
    assert len(db.session.scalars(select(MentorPreparation)).all()) == 4
    assert len(db.session.scalars(select(MenteePreparation)).all()) == 4

    # 7. Both evaluate.
    for person, recommend in ((mentee, "yes"), (mentor, "yes")):
        _visit(person, f"{base}/evaluation", language)
        _send(
            person,
            f"{base}/evaluation",
            {
                "process_rating": "5",
                "goal_attainment": "4",
                "usefulness": "5",
                "what_helped": "Honest feedback.",
                "what_to_change": "",
                "would_recommend": recommend,
            },
        )
        _visit(person, base, language)
        _visit(person, "/mentorships", language)
    assert {row.side for row in db.session.scalars(select(Evaluation))} == {"mentee", "mentor"}

    # Every step told the other side.
    kinds = {notice.kind for notice in db.session.scalars(select(Notification))}
    assert {
        "request_received",
        "request_accepted",
        "agreement_proposed",
        "agreement_confirmed",
        "contact_logged",
        "mentorship_concluded",
        "evaluation_due",
    } <= kinds
