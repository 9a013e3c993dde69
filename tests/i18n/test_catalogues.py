"""English, Italian and German are complete, compiled; launches choose the language (SPEC §6-7)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def as_tuple(string):
    """Return a message's translation as a tuple (plural forms come as lists or tuples)."""
    return (string,) if isinstance(string, str) else tuple(string)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-o", str(pot), "--no-location", "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


@pytest.mark.parametrize("language", ["en", "it", "de", "fr"])
def test_catalogue_is_complete_and_compiled(extracted, language):
    folder = ROOT / "translations" / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    with (folder / "messages.mo").open("rb") as handle:
        compiled = read_mo(handle)

    missing = sorted(str(mid) for mid in extracted if not catalogue.get(mid))
    assert missing == [], f"{language}: strings not in the catalogue (run make translations)"
    for message in catalogue:
        if not message.id:
            continue
        assert message.string, f"{language}: untranslated {message.id!r}"
        assert not message.fuzzy, f"{language}: fuzzy {message.id!r}"
        assert set(PLACEHOLDER.findall(str(message.id))) == set(
            PLACEHOLDER.findall(str(message.string))
        ), f"{language}: placeholders differ in {message.id!r}"
        compiled_message = compiled.get(message.id)
        assert compiled_message is not None and as_tuple(compiled_message.string) == as_tuple(
            message.string
        ), f"{language}: messages.mo is older than messages.po (run make translations)"


def test_launch_with_italian_locale_renders_the_home_page_in_italian(launch, client, app):
    response = launch(user_id="learner-it", name="Chiara Galli", locale="it")

    page = client.get(response.headers["Location"]).get_data(as_text=True)

    with force_locale("it"):
        journey, role = gettext("Your mentoring journey"), gettext("Learner")
    assert journey != "Your mentoring journey"
    assert '<html lang="it">' in page
    assert journey in page
    assert f'data-testid="role">{role}<' in page


@pytest.mark.parametrize("locale", ["it_CH", "it-it", "IT"])
def test_regional_italian_codes_choose_italian(launch, client, locale):
    response = launch(user_id="learner-it", locale=locale)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="it">' in page


def test_unsupported_locale_falls_back_to_the_browser_then_english(launch, client):
    response = launch(user_id="learner-pt", locale="pt_br")

    location = response.headers["Location"]
    assert '<html lang="en">' in client.get(location).get_data(as_text=True)
    italian_browser = client.get(location, headers={"Accept-Language": "it,en;q=0.5"})
    assert '<html lang="it">' in italian_browser.get_data(as_text=True)


def test_refused_launch_page_is_translated(client):
    response = client.get(
        "/lti/login?iss=https://nobody.test&login_hint=1&client_id=x&lti1p3_new_window=1"
        "&target_link_uri=http://tool.test/lti/launch",
        headers={"Accept-Language": "it"},
    )

    with force_locale("it"):
        heading = gettext("This launch could not be accepted")
    assert response.status_code == 403
    assert heading in response.get_data(as_text=True)
    assert heading != "This launch could not be accepted"
