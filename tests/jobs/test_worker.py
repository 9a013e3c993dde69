"""``flask --app lti_tool jobs worker`` as real subprocesses on PostgreSQL + Redis, delivering to
a real aiosmtpd server (issue 13, acceptance 4).

- new work wakes an idle worker at once (LISTEN/NOTIFY): the e-mail arrives within 2 s although
  the worker would otherwise sleep 30 s;
- two workers started together over 200 due e-mails deliver each exactly once;
- a worker killed with SIGKILL mid-batch leaves nothing stuck once its claims lapse;
- SIGTERM stops a worker cleanly: the e-mail in flight is finished, the rest given back.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
from sqlalchemy import make_url, select

from lti_tool.extensions import db
from lti_tool.notifications.models import EmailStatus, OutboxEmail
from lti_tool.notifications.operations import notify
from tests.conftest import TOOL_BASE_URL
from tests.notifications.support import SmtpSink
from tests.support.factories import make_course, make_member

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"


class HoldingSmtp(SmtpSink):
    """A real SMTP server that, while ``hold`` is set, keeps a client waiting at RCPT."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = threading.Event()
        self.held = threading.Event()

    def stored(self) -> Counter[str]:
        return Counter(rcpt for envelope in self.envelopes for rcpt in envelope.rcpt_tos)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        while self.hold.is_set():
            self.held.set()
            await asyncio.sleep(0.02)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


@pytest.fixture
def smtp_server(app):
    sink = HoldingSmtp()
    sink.start()
    yield sink
    sink.hold.clear()
    sink.stop()


@pytest.fixture
def workers(app, database_url, smtp_server, tmp_path):
    """Start ``jobs worker`` subprocesses; every one still running is stopped at the end."""
    if not make_url(database_url).drivername.startswith("postgresql"):
        pytest.skip("the worker test runs on PostgreSQL + Redis: set LTI_TOOL_DATABASE_URL")
    prefix = f"test-worker-{uuid.uuid4().hex}:"
    started: list[subprocess.Popen] = []

    def start(name: str, **settings: object) -> subprocess.Popen:
        environment = {
            **os.environ,
            "LTI_TOOL_SECRET_KEY": "test-secret",
            "LTI_TOOL_DATABASE_URL": database_url,
            "LTI_TOOL_CACHE_TYPE": "RedisCache",
            "LTI_TOOL_CACHE_REDIS_URL": REDIS_URL,
            "LTI_TOOL_CACHE_KEY_PREFIX": prefix,
            "LTI_TOOL_RATE_LIMIT_KEY_PREFIX": prefix + "limits",
            "LTI_TOOL_PUBLIC_BASE_URL": TOOL_BASE_URL,
            "LTI_TOOL_MAIL_SERVER": "127.0.0.1",
            "LTI_TOOL_MAIL_PORT": str(smtp_server.port),
            "LTI_TOOL_MAIL_TIMEOUT_SECONDS": "5",
            **{f"LTI_TOOL_{key.upper()}": str(value) for key, value in settings.items()},
        }
        environment.pop("LTI_TOOL_CONFIG", None)
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "lti_tool", "jobs", "worker"],
            cwd=ROOT,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        process.log = log  # type: ignore[attr-defined]
        started.append(process)
        _wait_for(lambda: "worker: started" in log.read_text(), 60, f"{name} did not start", log)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        process.wait(timeout=30)
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)


def _wait_for(condition, seconds: float, message: str, log: Path | None = None) -> float:
    """Wait until ``condition()`` holds; return how long it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise AssertionError(message + (f":\n{log.read_text()}" if log else ""))
        time.sleep(0.02)
    return time.monotonic() - start


def _queue(count: int, course=None) -> list[str]:
    course = course or make_course()
    addresses = []
    for _ in range(count):
        address = f"p-{uuid.uuid4().hex[:10]}@example.org"
        member = make_member(course, email=address)
        notify(member, "request_received", link="/x", mentee="Zoë", course="C", due="soon")
        addresses.append(address)
    db.session.commit()  # the commit sends the NOTIFY that wakes the workers
    return addresses


def _emails() -> list[OutboxEmail]:
    db.session.expire_all()
    emails = list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
    db.session.commit()  # end the read: never hold a transaction open beside the workers
    return emails


def test_new_work_wakes_an_idle_worker_at_once(app, workers, smtp_server):
    workers("idle", jobs_worker_poll_seconds=30)
    time.sleep(1)  # the worker's first round is over: it now sleeps, listening

    [address] = _queue(1)
    waited = _wait_for(lambda: smtp_server.stored()[address] == 1, 10, "never arrived")

    assert waited < 2  # woken by the NOTIFY of the commit, not by its 30 s poll
    # the worker records the delivery once the SMTP server has accepted it: a moment later
    _wait_for(lambda: [e.status for e in _emails()] == [EmailStatus.SENT], 5, "not marked sent")


def test_two_workers_over_200_due_emails_deliver_each_exactly_once(app, workers, smtp_server):
    addresses = _queue(200)
    first = workers("first", outbox_batch_size=20)
    second = workers("second", outbox_batch_size=20)

    _wait_for(
        lambda: {email.status for email in _emails()} == {EmailStatus.SENT},
        120,
        "not every e-mail was sent",
    )
    for process in (first, second):
        process.send_signal(signal.SIGTERM)
    assert [first.wait(30), second.wait(30)] == [0, 0]

    stored = smtp_server.stored()
    assert sorted(stored) == sorted(addresses)
    assert set(stored.values()) == {1}


def test_a_worker_killed_mid_batch_leaves_nothing_stuck_after_the_claim_timeout(
    app, workers, smtp_server
):
    settings = {"outbox_claim_seconds": 2, "outbox_batch_size": 5, "jobs_worker_poll_seconds": 1}
    smtp_server.hold.set()
    addresses = _queue(5)
    killed = workers("killed", **settings)
    assert smtp_server.held.wait(30)  # mid-batch: its five claims taken, the first at RCPT

    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    smtp_server.hold.clear()
    claimed = _emails()
    assert all(email.claimed_by and email.status == EmailStatus.QUEUED for email in claimed)
    workers("takes-over", **settings)

    _wait_for(
        lambda: {email.status for email in _emails()} == {EmailStatus.SENT},
        60,
        "the killed worker's e-mails stayed stuck",
    )
    stored = smtp_server.stored()
    assert sorted(stored) == sorted(addresses) and set(stored.values()) == {1}


def test_sigterm_finishes_the_email_in_flight_and_gives_the_rest_back(app, workers, smtp_server):
    smtp_server.hold.set()
    addresses = _queue(5)
    worker = workers("stopped", outbox_batch_size=5)
    assert smtp_server.held.wait(30)

    worker.send_signal(signal.SIGTERM)
    time.sleep(0.5)  # the signal is in; the e-mail in flight is still waiting for the server
    smtp_server.hold.clear()

    assert worker.wait(30) == 0
    assert "worker: stopped" in worker.log.read_text()
    emails = _emails()
    assert [email.status for email in emails] == [EmailStatus.SENT] + [EmailStatus.QUEUED] * 4
    assert all(email.claimed_by is None and email.attempts == 0 for email in emails[1:])
    assert smtp_server.stored() == Counter({addresses[0]: 1})
