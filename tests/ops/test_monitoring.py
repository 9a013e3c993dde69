"""Health, readiness, metrics, request ids and JSON logs (issue 13, acceptance 5)."""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import make_url

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.lti.login import Refusal
from lti_tool.notifications.models import EmailStatus, Notification, OutboxEmail
from lti_tool.people.models import Membership
from tests.conftest import _test_config
from tests.support.tcp_proxy import TCPProxy

TOKEN = "scrape-token-for-tests"


def test_health_is_liveness_only(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_checks_database_and_migrations(client):
    response = client.get("/ready")

    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok"},
    }


def test_ready_checks_redis_when_configured(app, database_url, tmp_path):
    config = _test_config(database_url, tmp_path)
    config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:6379/0")
    with_redis = create_app(config)
    config.update(CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    without_redis = create_app(config)

    up = with_redis.test_client().get("/ready")
    down = without_redis.test_client().get("/ready")

    assert up.status_code == 200 and up.get_json()["checks"]["redis"] == "ok"
    assert down.status_code == 503
    assert down.get_json()["checks"]["redis"].startswith("unreachable")


def test_ready_fails_while_migrations_are_not_at_head(app, tmp_path):
    empty = create_app(_test_config("sqlite:///" + str(tmp_path / "empty.sqlite3"), tmp_path))

    with empty.app_context():
        response = empty.test_client().get("/ready")
        db.session.remove()

    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "ok"
    assert response.get_json()["checks"]["migrations"].startswith("not at head")


def test_ready_fails_while_postgresql_is_unreachable_and_recovers(app, database_url, tmp_path):
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set LTI_TOOL_DATABASE_URL")
    proxy = TCPProxy(url.host or "127.0.0.1", url.port or 5432).start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port)
    config = _test_config(through_proxy.render_as_string(hide_password=False), tmp_path)
    # The production pool: a connection is checked only after a rest (lti_tool/database.py).
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"connect_timeout": 2}}
    tool = create_app(config)
    browser = tool.test_client()
    try:
        with tool.app_context():
            before = browser.get("/ready")
            proxy.stop()
            during = browser.get("/ready")
            proxy.start()
            after = browser.get("/ready")
            db.session.remove()
            db.engine.dispose()
    finally:
        proxy.stop()

    assert before.status_code == 200
    assert during.status_code == 503
    assert during.get_json()["checks"]["database"].startswith("unreachable")
    assert after.status_code == 200
    assert after.get_json()["status"] == "ready"


def _metric(text: str, name: str, **labels: str) -> float:
    """Read one sample of the Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    selector = r"\{" + re.escape(wanted) + r"\}" if wanted else ""
    pattern = "^" + re.escape(name) + selector + r" (\S+)"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _scrape(client) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_token(app, client):
    app.config.update(METRICS_ENABLED=True, METRICS_TOKEN=TOKEN)

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def _launch_counts(text: str) -> dict[str, float]:
    return {
        outcome: float(value)
        for outcome, value in re.findall(
            r'^lti_tool_launches_total\{outcome="([^"]+)"\} (\S+)$', text, re.MULTILINE
        )
    }


def test_metrics_count_launches_by_outcome_and_time_requests(app, client, launch):
    app.config.update(METRICS_ENABLED=True, METRICS_TOKEN=TOKEN)
    before = _launch_counts(_scrape(client))

    launch(user_id="lena")
    client.post("/lti/launch", data={"state": "forged", "id_token": "x.y.z"})
    text = _scrape(client)
    after = _launch_counts(text)

    moved = {
        outcome: count - before.get(outcome, 0)
        for outcome, count in after.items()
        if count != before.get(outcome, 0)
    }
    refusal = next(outcome for outcome in moved if outcome != "accepted")
    assert moved == {"accepted": 1, refusal: 1}
    assert refusal in {reason.value for reason in Refusal}
    latency = "lti_tool_request_duration_seconds_count"
    assert _metric(text, latency, endpoint="lti.launch", method="POST") >= 2


def test_metrics_show_the_outbox_backlog_and_worker_lag(app, client, launch):
    app.config.update(METRICS_ENABLED=True, METRICS_TOKEN=TOKEN)
    launch(user_id="lena")
    member = db.session.scalar(db.select(Membership))
    notice = Notification(course_id=member.course_id, recipient_id=member.id, kind="test")
    db.session.add(notice)
    db.session.flush()
    db.session.add(
        OutboxEmail(
            notification_id=notice.id,
            to_address="lena@example.org",
            subject="s",
            body="b",
            status=EmailStatus.QUEUED,
            attempts=1,
            last_error="421 try later",
        )
    )
    db.session.commit()

    text = _scrape(client)

    assert _metric(text, "lti_tool_outbox_backlog", kind="email") == 1
    assert _metric(text, "lti_tool_outbox_failing", kind="email") == 1
    assert _metric(text, "lti_tool_outbox_backlog", kind="score") == 0
    assert _metric(text, "lti_tool_worker_lag_seconds") >= 0


def test_refusal_pages_show_the_request_id_that_the_log_carries(
    app, database_url, tmp_path, capsys
):
    config = _test_config(database_url, tmp_path)
    config.update(LOG_FORMAT="json", LOG_LEVEL="INFO", LOG_REQUESTS=True)
    logger = logging.getLogger("lti_tool")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    try:
        tool = create_app(config)
        with tool.app_context():
            response = tool.test_client().post("/lti/launch", data={"state": "forged"})
            db.session.remove()
    finally:
        logger.handlers[:], logger.propagate = saved[0], saved[1]
        logger.setLevel(saved[2])

    reference = response.headers["X-Request-ID"]
    assert response.status_code == 400
    assert reference in response.get_data(as_text=True)
    assert "quote this reference" in response.get_data(as_text=True)
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    refusal = [r for r in records if "refused" in r["message"]]
    assert refusal and refusal[0]["request_id"] == reference
    assert refusal[0]["level"] == "WARNING" and refusal[0]["path"] == "/lti/launch"
    access = [r for r in records if r.get("status") == 400]
    assert access and access[0]["request_id"] == reference


def test_error_pages_show_the_reference(client):
    response = client.get("/course/1/")

    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)
