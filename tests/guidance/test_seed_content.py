"""Every item of the seeds is rendered where it helps, for its audience, in each shipped language.

Mentees see the mentee's benefits and contribution before searching and when writing a request;
every mentor sees the mentor's contribution, benefits and roles when editing the profile and
when answering a request; staff see the organisation's benefits on the programme page; everyone
sees the standards; mentors see the preparation form's process questions (standards seed §2,
§3.1–§3.3, §4.2). Italian uses the seeds' own words.
"""

from __future__ import annotations

import types

import pytest
from flask_babel import force_locale, gettext

from lti_tool.extensions import db
from lti_tool.mentoring.choices import OFFER_KINDS, TECHNIQUES
from lti_tool.mentors.guidance import (
    MENTEE_BENEFITS,
    MENTEE_CONTRIBUTION,
    MENTOR_BENEFITS,
    MENTOR_CONTRIBUTION,
    ORGANISATION_BENEFITS,
    ROLE_DESCRIPTIONS,
    ROLE_LABELS,
)
from lti_tool.programme.standards import STANDARDS
from tests.mentoring.factories import send, start
from tests.mentoring.web import join
from tests.reflection.conftest import page_text
from tests.support.factories import make_mentor

LANGUAGES = ["en", "it"]


@pytest.fixture
def cohort(app, launch, request, snapshots):
    """In one language: a learner, a mentor with a request waiting and a mentorship, staff."""
    language = request.param
    return snapshots.once((__name__, "cohort", language), lambda: _cohort(app, launch, language))


def _cohort(app, launch, language):
    learner = join(app, launch, f"learner-{language}", name="Luca Learner", locale=language)
    mentor = join(app, launch, f"mentor-{language}", role="Community TA", name="Marta",
                  locale=language)  # fmt: skip
    mentee = join(app, launch, f"mentee-{language}", name="Mia Mentee", locale=language)
    staff = join(app, launch, f"staff-{language}", role="staff", name="Stella", locale=language)
    profile = make_mentor(mentor.membership.course, membership=mentor.membership)
    waiting = send(learner.membership, profile)
    mentorship = start(mentee.membership, profile)
    db.session.commit()
    return types.SimpleNamespace(
        language=language, learner=learner, mentor=mentor, staff=staff, profile=profile,
        waiting=waiting, mentorship=mentorship,
    )  # fmt: skip


def _missing(page: str, language: str, *groups) -> list[str]:
    with force_locale(language):
        expected = [str(item) for group in groups for item in group]
    return [text for text in expected if text not in page]


#: Words the seeds use unchanged in Italian.
SAME_IN_ITALIAN = {"Feedback"}


def _translated(language: str, *groups) -> None:
    """Pages in another language must not fall back to English."""
    if language == "en":
        return
    items = [item for group in groups for item in group]
    english, shown = _localised("en", items), _localised(language, items)
    same = [a for a, b in zip(english, shown, strict=True) if a == b and a not in SAME_IN_ITALIAN]
    assert same == [], "missing from the catalogue"


@pytest.mark.parametrize("cohort", LANGUAGES, indirect=True)
def test_mentees_see_benefits_and_contribution_before_searching_and_when_requesting(cohort):
    search = page_text(cohort.learner.get("/mentors"))
    new_request = page_text(cohort.learner.get(f"/requests/new/{cohort.profile.id}"))

    for page in (search, new_request):
        assert _missing(page, cohort.language, MENTEE_BENEFITS, MENTEE_CONTRIBUTION) == []
        assert _missing(page, cohort.language, MENTOR_CONTRIBUTION) == [
            str(item) for item in _localised(cohort.language, MENTOR_CONTRIBUTION)
        ]  # the mentor's points are not the mentee's
    _translated(cohort.language, MENTEE_BENEFITS, MENTEE_CONTRIBUTION)
    with force_locale(cohort.language):
        interest = gettext("You take an active interest in your mentor's professional know-how.")
    assert interest in search


@pytest.mark.parametrize("cohort", LANGUAGES, indirect=True)
def test_every_mentor_sees_contribution_benefits_and_roles_when_editing_and_answering(cohort):
    profile = page_text(cohort.mentor.get("/mentors/me"))
    answering = page_text(cohort.mentor.get(f"/requests/{cohort.waiting.id}"))
    mentorship = page_text(cohort.mentor.get(f"/mentorships/{cohort.mentorship.id}"))

    everything = (MENTOR_CONTRIBUTION, MENTOR_BENEFITS, ROLE_LABELS.values(),
                  ROLE_DESCRIPTIONS.values())  # fmt: skip
    assert _missing(profile, cohort.language, *everything) == []
    assert _missing(answering, cohort.language, *everything) == []
    roles = (ROLE_LABELS.values(), ROLE_DESCRIPTIONS.values())
    assert _missing(mentorship, cohort.language, *roles) == []  # the first conversation
    _translated(cohort.language, *everything)


@pytest.mark.parametrize("cohort", LANGUAGES, indirect=True)
def test_mentors_see_the_process_questions_of_the_preparation_form(cohort):
    form = page_text(cohort.mentor.get(f"/mentorships/{cohort.mentorship.id}/contacts/1"))

    assert _missing(form, cohort.language, OFFER_KINDS.values(), TECHNIQUES.values()) == []
    _translated(cohort.language, OFFER_KINDS.values(), TECHNIQUES.values())


@pytest.mark.parametrize("cohort", LANGUAGES, indirect=True)
def test_staff_see_the_organisations_benefits_and_everyone_the_standards(cohort, app, launch):
    settings = page_text(cohort.staff.get("/programme/settings"))
    newcomer = join(app, launch, f"new-{cohort.language}", locale=cohort.language, accept=None)
    standards = page_text(newcomer.get("/standards"))

    assert _missing(settings, cohort.language, ORGANISATION_BENEFITS) == []
    assert _missing(standards, cohort.language, STANDARDS) == []
    _translated(cohort.language, ORGANISATION_BENEFITS, STANDARDS)
    learner_home = page_text(cohort.learner.get("/mentors"))
    assert _missing(learner_home, cohort.language, ORGANISATION_BENEFITS) == [
        str(item) for item in _localised(cohort.language, ORGANISATION_BENEFITS)
    ]  # the organisation's benefits are for staff


def _localised(language, group):
    with force_locale(language):
        return [str(item) for item in group]


#: The seeds' own Italian words, as the tool shows them.
SEED_ROLES = ["Consigliere", "Accompagnatore", "Intermediario", "Iniziatore",
              "Mediatore di conoscenze"]  # fmt: skip
SEED_51_LABELS = ["bacheca", "“Gruppi”", "“Visualizza altro”", "“Diventa Mentore”", "“Invia”",
                  "“Impostazioni”", "“Aggiungi”", "“Salva”", "“Centro di Formazione”",
                  "apprendere valide competenze", "direttori"]  # fmt: skip


@pytest.mark.parametrize("cohort", ["it"], indirect=True)
def test_italian_uses_the_seeds_words_for_roles_5_1_labels_and_personal_stories(cohort):
    with force_locale("it"):
        assert [str(label) for label in ROLE_LABELS.values()] == SEED_ROLES
    profile = page_text(cohort.mentor.get("/mentors/me"))
    assert [name for name in SEED_ROLES if name not in profile] == []
    guide = page_text(cohort.mentor.get("/reflection/guide"))
    assert [label for label in SEED_51_LABELS if label not in guide] == []
    assert "insegnare" not in guide.lower()  # LinkedIn's benefit is to learn, not to teach
    assert guide.count("Dalla tua bacheca") == 2  # both step lists start from the feed
    form = page_text(cohort.mentor.get(f"/mentorships/{cohort.mentorship.id}/contacts/1"))
    assert "Racconti personali" in form and "Esperienze personali" not in form
    for retired in ("Consulente", "Facilitatore di contatti", "Promotore"):
        assert retired not in profile
