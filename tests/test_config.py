"""Configuration: defaults → TOML file → LTI_TOOL_* environment → overrides; safe production."""

from __future__ import annotations

import pytest

from lti_tool import create_app
from lti_tool.config import ConfigError


def test_layers_override_in_order(tmp_path, monkeypatch):
    config_file = tmp_path / "tool.toml"
    config_file.write_text(
        'tool_name = "From TOML"\n'
        'public_base_url = "https://toml.example"\n'
        "http_timeout_seconds = 3\n"
    )
    monkeypatch.setenv("LTI_TOOL_CONFIG", str(config_file))
    monkeypatch.setenv("LTI_TOOL_PUBLIC_BASE_URL", "https://env.example")
    monkeypatch.setenv("LTI_TOOL_MENTOR_ROLES", '["TeachingAssistant"]')

    app = create_app({"SECRET_KEY": "x", "HTTP_TIMEOUT_SECONDS": 5})

    assert app.config["TOOL_NAME"] == "From TOML"
    assert app.config["PUBLIC_BASE_URL"] == "https://env.example"
    assert app.config["MENTOR_ROLES"] == ["TeachingAssistant"]
    assert app.config["HTTP_TIMEOUT_SECONDS"] == 5
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "None"
    assert app.config["SESSION_COOKIE_PARTITIONED"] is True


def test_missing_config_file_named_in_environment_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("LTI_TOOL_CONFIG", str(tmp_path / "absent.toml"))

    with pytest.raises(ConfigError, match="does not exist"):
        create_app({"SECRET_KEY": "x"})


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("LTI_TOOL_DATABASE_URL", raising=False)

    app = create_app({"SECRET_KEY": "x"})

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///") and uri.endswith("lti_tool.sqlite3")
    assert app.instance_path in uri


def test_postgresql_url_selects_psycopg():
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "postgresql://u@db.example/tool"})

    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/tool"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({}, "needs a secret key"),
        ({"SECRET_KEY": "s", "DEMO_MODE": True, "CACHE_TYPE": "RedisCache"}, "Demo mode is on"),
        ({"SECRET_KEY": "s", "CACHE_TYPE": "SimpleCache"}, "use RedisCache in production"),
    ],
)
def test_production_refuses_unsafe_settings(overrides, reason):
    with pytest.raises(ConfigError, match=reason):
        create_app({"ENVIRONMENT": "production", **overrides})


def test_production_starts_with_a_secret_and_redis():
    app = create_app(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": "s",
            "CACHE_TYPE": "RedisCache",
            "PUBLIC_BASE_URL": "https://mentoring.example.org",
        }
    )

    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_example_config_documents_every_key():
    import tomllib
    from pathlib import Path

    from lti_tool.config import DEFAULTS

    text = (Path(__file__).parent.parent / "config.example.toml").read_text()
    tomllib.loads(text)  # parses as it is shipped
    documented = {
        line.lstrip("# ").split(" =")[0].upper() for line in text.splitlines() if " = " in line
    }
    assert set(DEFAULTS) <= documented


def test_requests_through_a_trusted_proxy_count_as_secure():
    app = create_app({"SECRET_KEY": "x", "TRUSTED_PROXIES": 1})

    @app.get("/probe")
    def probe():
        from flask import request

        return {"secure": request.is_secure, "host": request.host}

    answer = app.test_client().get(
        "/probe", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tool.example.org"}
    )
    assert answer.get_json() == {"secure": True, "host": "tool.example.org"}
