"""One refusal type and one not-allowed type for the whole tool, each with one app-wide handler:
whatever domain raises them, the person gets a translated 4xx page, never a 500 (issue 11)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from lti_tool.mentors.operations import (
    ProfileError,
)
from lti_tool.programme.operations import (
    ProgrammeSettingsError,
)
from lti_tool.refusals import NotAllowed, Refusal, apply_refusal
from lti_tool.refusals import NotAllowed as SharedNotAllowed
from lti_tool.staff.csv_upload import CsvRejected
from tests.mentoring.web import join

#: A message the Italian catalogue translates, as a domain would raise it.
MESSAGE = "This page does not exist."


@pytest.mark.parametrize(
    "refusal",
    [
        lambda: Refusal(_(MESSAGE), "question"),
        lambda: Refusal(_(MESSAGE)),
        lambda: Refusal(_(MESSAGE)),
        lambda: Refusal(_(MESSAGE)),
        lambda: Refusal(_(MESSAGE)),
        lambda: Refusal(_(MESSAGE)),
        lambda: ProfileError({"bio": _(MESSAGE)}),
        lambda: ProgrammeSettingsError({"mentor_capacity": _(MESSAGE)}),
        lambda: CsvRejected(_(MESSAGE)),
    ],
    ids=[
        "mentoring",
        "staff",
        "reflection",
        "designation",
        "mentors",
        "standards",
        "profile",
        "programme",
        "csv",
    ],
)
def test_a_refusal_of_any_domain_is_a_translated_400(app, launch, monkeypatch, refusal):
    person = join(app, launch, "mentee", name="Luca Learner", locale="it")

    def refuse(*args, **kwargs):
        raise refusal()

    monkeypatch.setattr("lti_tool.home.views.learner_journey", refuse)
    response = person.get("/")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<html lang="it">' in page
    with force_locale("it"):
        assert _(MESSAGE) in page


@pytest.mark.parametrize(
    "not_allowed",
    [NotAllowed, NotAllowed, NotAllowed, SharedNotAllowed],
    ids=["mentoring", "mentors", "programme", "shared"],
)
def test_not_allowed_from_any_domain_is_a_translated_403(app, launch, monkeypatch, not_allowed):
    person = join(app, launch, "mentee", name="Luca Learner", locale="it")

    def refuse(*args, **kwargs):
        raise not_allowed("internal reason, never shown")

    monkeypatch.setattr("lti_tool.home.views.learner_journey", refuse)
    response = person.get("/")

    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "internal reason" not in page
    with force_locale("it"):
        assert _("You do not have access to this page.") in page


def test_every_domain_raises_the_one_refusal_and_the_one_not_allowed_type():
    for alias in (Refusal, Refusal, Refusal, Refusal):
        assert alias is Refusal
    for subtype in (ProfileError, ProgrammeSettingsError, CsvRejected):
        assert issubclass(subtype, Refusal)
    for alias in (NotAllowed, NotAllowed, NotAllowed):
        assert alias is SharedNotAllowed


def test_apply_refusal_puts_each_message_beside_its_field(app):
    class Field:
        def __init__(self):
            self.errors = []

    class Form:
        def __init__(self):
            self.bio, self.topics, self.form_errors = Field(), Field(), []

    form = Form()
    apply_refusal(form, Refusal(errors={"bio": "Too long.", "topics": "Too many."}))
    apply_refusal(form, Refusal("Something else.", "no_such_field"))

    assert form.bio.errors == ["Too long."] and form.topics.errors == ["Too many."]
    assert form.form_errors == ["Something else."]
