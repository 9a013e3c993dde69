"""Mentors may offer any ISO language, named from Babel's locale data in the reader's language."""

from __future__ import annotations

import html

import pytest

from lti_tool.extensions import db
from lti_tool.mentors.models import MentorProfile
from tests.mentors.factories import csrf_of, enter
from tests.mentors.test_pages import PROFILE_FORM, _profile_of

#: (reader's language, the names they read for Japanese and Swahili)
NAMES = [("en", "Japanese", "Swahili"), ("it", "Giapponese", "Swahili")]


@pytest.mark.parametrize(("language", "japanese", "swahili"), NAMES)
def test_a_mentor_offers_any_language_and_readers_see_its_name_in_their_language(
    app, launch, language, japanese, swahili
):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria",
                              locale=language)  # fmt: skip
    url = f"/course/{course_id}/mentors/me"
    form = html.unescape(mentor.get(url).get_data(as_text=True))
    assert f'<option value="ja">{japanese}</option>' in form
    assert form.count("<option value=") > 150  # every ISO 639-1 language Babel names

    saved = mentor.post(url, data={**PROFILE_FORM, "languages": ["ja", "sw"],
                                   "csrf_token": csrf_of(mentor, url)})  # fmt: skip
    assert saved.status_code == 302
    profile = _profile_of("maria")
    assert sorted(profile.languages) == ["ja", "sw"]

    learner, _ = enter(app, launch, user_id="luca", name="Luca", locale=language)
    page = html.unescape(
        learner.get(f"/course/{course_id}/mentors/{profile.id}").get_data(as_text=True)
    )
    assert japanese in page and swahili in page
    search = html.unescape(
        learner.get(f"/course/{course_id}/mentors?lang=sw").get_data(as_text=True)
    )
    assert f'data-testid="mentor-{profile.id}"' in search  # the language facet finds her
    assert 'value="sw"' in search and swahili in search  # offered in the facet, by name


def test_a_code_that_is_no_language_is_refused_and_nothing_is_saved(app, launch):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria")
    url = f"/course/{course_id}/mentors/me"
    mentor.get(url)
    before = list(db.session.get(MentorProfile, _profile_of("maria").id).languages)

    refused = mentor.post(url, data={**PROFILE_FORM, "languages": ["xx"],
                                     "csrf_token": csrf_of(mentor, url)})  # fmt: skip

    assert refused.status_code in (200, 400)
    assert "Choose only from the options shown." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert list(db.session.get(MentorProfile, _profile_of("maria").id).languages) == before
