"""The guide and the reflection pages render completely in English and in Italian."""

from __future__ import annotations

import html

import pytest
from flask_babel import force_locale, gettext

from lti_tool.reflection.content import (
    DEFAULT_QUESTIONS,
    GUIDE,
    GUIDE_INTRO,
    GUIDE_TITLE,
    Audience,
)
from tests.mentoring.web import join

from .conftest import page_text


def words(response) -> str:
    """The page's text and its attributes' values (button labels), entities resolved."""
    raw = " ".join(html.unescape(response.get_data(as_text=True)).split())
    return page_text(response) + " " + raw


REFLECTION_STRINGS = (
    "Reflection: reaching mentees online",
    "Answer at your own pace: your drafts are kept while you write, and you can come back and "
    "revise a saved answer at any time. Your answers are private unless you choose to share "
    "them.",
    "Read the guide first: finding your mentees online",
    "Your progress",
    "Your answer",
    "Your answer is saved as a draft while you write; only you can read it.",
    "Share my saved answer with my mentor or my mentees",
    "Share my saved answer with the course staff",
    "Save draft",
    "Save answer",
    "Still to answer",
    "Answers shared with you",
)


def _english(lazy_strings) -> list[str]:
    with force_locale("en"):
        return [str(text) for text in lazy_strings]


def guide_strings() -> list[str]:
    """Every heading, paragraph, step and list entry of the guide, in English."""
    texts = [GUIDE_TITLE, GUIDE_INTRO]
    for section in GUIDE:
        texts += [section.heading, *section.paragraphs, *section.steps, *section.items]
        texts += list(section.after)
    return _english(texts)


def questions_for(audience: Audience) -> list[str]:
    """The default questions asked of an audience, in English."""
    return _english(words for asked_of, words in DEFAULT_QUESTIONS.values() if asked_of == audience)


def reflection_strings(audience: Audience) -> list[str]:
    """The reflection page's own words and the audience's default questions, in English."""
    return [*REFLECTION_STRINGS, *questions_for(audience)]


@pytest.fixture
def readers(app, launch):
    """A mentor launched in English and a learner launched in Italian."""
    return {
        "en": join(app, launch, "reader-en", role="Community TA", name="Marta Mentore"),
        "it": join(app, launch, "reader-it", name="Luca Learner", locale="it"),
    }


#: (language, LTI role, the audience whose questions they answer, the audience they never see)
AUDIENCES = [
    ("en", "Community TA", Audience.MENTORS, Audience.MENTEES),
    ("en", "student", Audience.MENTEES, Audience.MENTORS),
    ("it", "Community TA", Audience.MENTORS, Audience.MENTEES),
    ("it", "student", Audience.MENTEES, Audience.MENTORS),
]


@pytest.mark.parametrize(("language", "role", "audience", "others"), AUDIENCES)
def test_the_guide_and_the_reflection_render_completely_per_audience_and_language(
    app, launch, language, role, audience, others
):
    reader = join(app, launch, f"reader-{language}-{role}", role=role, locale=language)
    guide = words(reader.get("/reflection/guide"))
    reflection = words(reader.get("/reflection/"))

    for page, english in ((guide, guide_strings()), (reflection, reflection_strings(audience))):
        with force_locale(language):
            shown = {text: gettext(text) for text in english}
        if language != "en":
            untranslated = [text for text, words in shown.items() if words == text]
            assert untranslated == [], "missing from the catalogue"
            assert [text for text in english if text in page] == []
        assert [words for words in shown.values() if words not in page] == []
    for name in ("Facebook", "LinkedIn Learning", "Mentspot", "EPIC mentors", "Chronus"):
        assert name in guide
    with force_locale(language):
        hidden = [gettext(text) for text in questions_for(others)]
    assert [text for text in hidden if text in reflection] == []


def test_the_guide_is_linked_from_the_reflection_and_the_mentor_profile(readers):
    mentor = readers["en"]
    guide_url = f"/course/{mentor.course_id}/reflection/guide"

    assert guide_url in mentor.get("/reflection/").get_data(as_text=True)
    profile = mentor.get("/mentors/me")
    assert profile.status_code == 200
    assert guide_url in profile.get_data(as_text=True)
