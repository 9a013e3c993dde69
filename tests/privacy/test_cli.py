"""The institution admin exports and erases people with ``flask --app lti_tool privacy`` (§1)."""

from __future__ import annotations

import json

from lti_tool.extensions import db
from lti_tool.people.models import User


def _ids(journey):
    user = journey.mentee.user
    return user.issuer, user.subject


def test_export_prints_the_persons_json(journey, runner):
    result = runner.invoke(args=["privacy", "export", *_ids(journey)])

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["user"]["email"] == "luca@example.org"
    assert data["memberships"][0]["course"]["title"] == "Mentoring for adult learners"


def test_export_writes_a_file(journey, runner, tmp_path):
    target = tmp_path / "luca.json"

    result = runner.invoke(args=["privacy", "export", *_ids(journey), "--output", str(target)])

    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text(encoding="utf-8"))["user"]["name"] == "Luca Learner"


def test_erase_refuses_without_yes_and_says_why(journey, runner):
    result = runner.invoke(args=["privacy", "erase", *_ids(journey)])

    assert result.exit_code != 0
    assert "cannot be undone" in result.output and "--yes" in result.output
    db.session.expire_all()
    assert journey.mentee.user.name == "Luca Learner"


def test_erase_with_yes_erases(journey, runner):
    issuer, subject = _ids(journey)
    user_id = journey.mentee.user_id

    result = runner.invoke(args=["privacy", "erase", issuer, subject, "--yes"])

    assert result.exit_code == 0, result.output
    assert "Luca" not in result.output
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.subject.startswith("erased-") and user.name is None


def test_unknown_people_are_named_clearly(app, runner):
    for command in (["export"], ["erase"], ["erase", "--yes"]):
        result = runner.invoke(
            args=["privacy", command[0], "https://nowhere.test", "nobody", *command[1:]]
        )

        assert result.exit_code != 0, command
        assert "No person with issuer 'https://nowhere.test' and subject 'nobody'" in result.output
