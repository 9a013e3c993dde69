"""The admin command line: registrations, deployments and the URLs to paste."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.platforms.models import Deployment, Registration

ADD = [
    "registrations", "add",
    "--issuer", "https://lms.example.org",
    "--client-id", "client-a",
    "--auth-login-url", "https://lms.example.org/auth",
    "--auth-token-url", "https://lms.example.org/token",
    "--keyset-url", "https://lms.example.org/jwks",
    "--deployment-id", "1",
    "--deployment-id", "2",
    "--name", "Example LMS",
]  # fmt: skip


def test_add_and_list_registrations(runner):
    result = runner.invoke(args=ADD)
    assert result.exit_code == 0, result.output
    second = runner.invoke(args=[*ADD[:5], "client-b", *ADD[6:14]])
    assert second.exit_code == 0, second.output

    listed = runner.invoke(args=["registrations", "list"]).output

    assert "https://lms.example.org\tclient-a\tExample LMS" in listed
    assert "https://lms.example.org\tclient-b" in listed
    assert "\tdeployment 1\tactive" in listed and "\tdeployment 2\tactive" in listed
    assert db.session.scalar(select(db.func.count()).select_from(Registration)) == 2
    assert db.session.scalar(select(db.func.count()).select_from(Deployment)) == 3


def test_duplicate_registration_is_refused(runner):
    runner.invoke(args=ADD)

    result = runner.invoke(args=ADD)

    assert result.exit_code != 0
    assert "exists already" in result.output
    assert db.session.scalar(select(db.func.count()).select_from(Registration)) == 1


def test_missing_option_is_explained(runner):
    result = runner.invoke(args=["registrations", "add", "--issuer", "https://x"])

    assert result.exit_code == 2
    assert "--client-id" in result.output


def test_unknown_registration_cannot_be_activated(runner):
    result = runner.invoke(args=["deployments", "activate", "https://none", "c", "1"])

    assert result.exit_code == 1
    assert "No registration" in result.output


def test_lti_urls_are_built_from_the_public_base_url(runner, app):
    app.config["PUBLIC_BASE_URL"] = "https://mentoring.example.org/tool/"

    output = runner.invoke(args=["lti", "urls"]).output.splitlines()

    assert output == [
        "login: https://mentoring.example.org/tool/lti/login",
        "launch: https://mentoring.example.org/tool/lti/launch",
        "redirect: https://mentoring.example.org/tool/lti/launch",
        "jwks: https://mentoring.example.org/tool/lti/jwks.json",
        "dynamic_registration: https://mentoring.example.org/tool/lti/register",
        "deep_linking: https://mentoring.example.org/tool/lti/launch",
    ]
