"""Load configuration: code defaults → TOML file → ``LTI_TOOL_*`` environment → overrides."""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

from flask import Config

ENV_PREFIX = "LTI_TOOL_"
CONFIG_PATH_VARIABLE = "LTI_TOOL_CONFIG"

#: Every key the tool reads, with its default. ``config.example.toml`` documents each one.
DEFAULTS: dict[str, Any] = {
    "ENVIRONMENT": "development",
    "SECRET_KEY": None,
    "DEMO_MODE": False,
    "DATABASE_URL": None,
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": None,
    "CACHE_REDIS_URL": "redis://127.0.0.1:6379/0",
    "CACHE_KEY_PREFIX": "lti-tool:",
    "CACHE_DEFAULT_TIMEOUT": 300,
    "LAUNCH_DATA_LIFETIME": 7200,
    "PLATFORM_JWKS_CACHE_SECONDS": 3600,
    "HTTP_TIMEOUT_SECONDS": 10,
    "TOOL_NAME": "Mentoring",
    "TOOL_KEY_SIZE": 2048,
    "MENTOR_ROLES": [],
    "REGISTRATION_ALLOWED_PLATFORMS": [],
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGES": ["en", "it", "de", "fr"],
    "COOKIE_SECURE": None,
    "TRUSTED_PROXIES": 0,
    "DEMO_HOST": "127.0.0.1",
    "DEMO_PORT": 5000,
    "DEMO_JOB_INTERVAL_SECONDS": 10,
    "DEMO_PLATFORM_URL": None,
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": "Mentoring <mentoring@localhost>",
    "MAIL_TIMEOUT_SECONDS": 10,
    "OUTBOX_RETRY_BASE_SECONDS": 60,
    "OUTBOX_RETRY_MAX_SECONDS": 3600,
    "OUTBOX_MAX_ATTEMPTS": 15,
    "OUTBOX_CLAIM_SECONDS": 600,
    "OUTBOX_BATCH_SIZE": 50,
    "OUTBOX_RUN_SECONDS": 240,
    "JOBS_WORKER_POLL_SECONDS": 30,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "STORAGE_DIR": None,
    "PHOTO_MAX_BYTES": 1024 * 1024,
    "PHOTO_MAX_PIXELS": 20_000_000,
    "PHOTO_SIZE": 320,
    "RETENTION_DAYS": 730,
    "LAST_LAUNCH_WRITE_SECONDS": 1.0,
    "LOG_FORMAT": "text",
    "LOG_LEVEL": None,
    "LOG_REQUESTS": False,
    "METRICS_ENABLED": False,
    "METRICS_TOKEN": None,
    "RATE_LIMITS_ENABLED": True,
    "RATE_LIMIT_STORAGE_URL": None,
    "RATE_LIMIT_KEY_PREFIX": "lti-tool-limits",
    "RATE_LIMIT_LOGIN": "120 per minute",
    "RATE_LIMIT_LAUNCH": "120 per minute",
    "RATE_LIMIT_REGISTRATION": "20 per hour",
    "RATE_LIMIT_REGISTRATION_TOKEN": "5 per hour",
    "RATE_LIMIT_FORMS": "60 per minute",
    "RATE_LIMIT_SEARCH": "120 per minute",
    "RATE_LIMIT_EXPORTS": "10 per minute",
}

#: Caches that keep state inside one process: fine for tests and the demo, never for production.
PER_PROCESS_CACHES = {"SimpleCache", "NullCache", "simple", "null"}


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run the tool safely; the message says why."""


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the merged configuration, later sources winning over earlier ones."""
    config = dict(DEFAULTS)
    path = Path(os.environ.get(CONFIG_PATH_VARIABLE) or "config.toml")
    if path.is_file():
        with path.open("rb") as handle:
            config.update({key.upper(): value for key, value in tomllib.load(handle).items()})
    elif os.environ.get(CONFIG_PATH_VARIABLE):
        raise ConfigError(f"{CONFIG_PATH_VARIABLE} names {path}, which does not exist.")
    # LTI_TOOL_* variables, read as JSON when they parse (numbers, booleans, lists), else text.
    environment = Config("")
    environment.from_prefixed_env(ENV_PREFIX.removesuffix("_"))
    environment.pop(CONFIG_PATH_VARIABLE.removeprefix(ENV_PREFIX), None)
    config.update(environment)
    config.update(overrides or {})
    return config


def finalise_config(config: dict[str, Any], instance_path: str) -> dict[str, Any]:
    """Derive Flask and extension settings from the tool's keys and refuse unsafe production."""
    is_production = config["ENVIRONMENT"] == "production"
    if is_production:
        if not config.get("SECRET_KEY"):
            raise ConfigError(
                "Production mode needs a secret key: set LTI_TOOL_SECRET_KEY "
                "or secret_key in the configuration file."
            )
        if config.get("DEMO_MODE"):
            raise ConfigError(
                "Demo mode is on in production mode. The demo LMS can launch anyone into "
                "any course: switch demo_mode off."
            )
        if config["CACHE_TYPE"] in PER_PROCESS_CACHES:
            raise ConfigError(
                f"cache_type {config['CACHE_TYPE']} keeps launches inside one process; "
                "use RedisCache in production."
            )
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _development_secret(instance_path)
    config["SQLALCHEMY_DATABASE_URI"] = config.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(instance_path, "lti_tool.sqlite3")
    )
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        config["SQLALCHEMY_DATABASE_URI"] = config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    # PostgreSQL connections that rested are checked before use (lti_tool/database.py).
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    config["CACHE_DIR"] = config.get("CACHE_DIR") or os.path.join(instance_path, "cache")
    config["STORAGE_DIR"] = config.get("STORAGE_DIR") or os.path.join(instance_path, "files")
    secure = config["COOKIE_SECURE"]
    if secure is None:
        secure = str(config["PUBLIC_BASE_URL"]).startswith("https://")
    # Inside an LMS iframe the session cookie is third-party: it needs SameSite=None; Secure,
    # and Partitioned (CHIPS) so that browsers blocking third-party cookies still keep it.
    config["SESSION_COOKIE_SECURE"] = secure
    config["SESSION_COOKIE_SAMESITE"] = "None" if secure else "Lax"
    config["SESSION_COOKIE_PARTITIONED"] = secure
    config["SESSION_COOKIE_NAME"] = "lti_tool_session"
    config["WTF_CSRF_TIME_LIMIT"] = None
    config["WTF_CSRF_SSL_STRICT"] = False
    config["PREFERRED_URL_SCHEME"] = "https" if secure else "http"
    return config


def _development_secret(instance_path: str) -> str:
    """Keep one random secret per instance folder so development sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
