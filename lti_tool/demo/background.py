"""Demo mode's background work: the due jobs on a short interval, and a local outbox.

In production a job worker runs the due jobs (§7); the demo runs them in its own process, in a
daemon thread, so that a visitor sees reminders, expiries, e-mails, roster pages and scores
happen without running any command. The tool's e-mails go to a local SMTP server in the same
process, whose messages the demo LMS shows on its outbox page.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask

from ..extensions import cache, db
from ..jobs.runner import run_due
from ..models_base import utcnow

log = logging.getLogger(__name__)

OUTBOX_KEY = "demo-lms:outbox"
MAX_EMAILS = 200


class DemoOutbox:
    """An aiosmtpd handler keeping every message the tool sends, for the outbox page."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Keep the message: recipients, subject and the plain-text body."""
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        kept = {
            "to": list(envelope.rcpt_tos),
            "subject": str(message.get("subject", "")),
            "body": body.get_content() if body is not None else "",
            "received_at": utcnow().isoformat(timespec="seconds"),
        }
        with self.app.app_context():
            cache.set(OUTBOX_KEY, [*received_emails(), kept][-MAX_EMAILS:], timeout=0)
        return "250 Message accepted"


def received_emails() -> list[dict[str, Any]]:
    """Return the e-mails the local outbox received, oldest first."""
    return list(cache.get(OUTBOX_KEY) or [])


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class JobThread(threading.Thread):
    """Runs the due jobs every ``interval`` seconds until stopped."""

    def __init__(self, app: Flask, interval: float) -> None:
        super().__init__(name="demo-jobs", daemon=True)
        self.app = app
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        """Wait an interval, run the due jobs, again, until stopped."""
        while not self.stopped.wait(self.interval):
            self.tick()

    def tick(self) -> None:
        """Run the due jobs once; a failure is logged and the next interval tries again."""
        with self.app.app_context():
            try:
                run_due()
            except Exception:  # the demo keeps running; the next tick tries again
                log.exception("the demo's due jobs failed")
                db.session.rollback()
            finally:
                db.session.remove()


@dataclass
class Background:
    """The demo's running background pieces."""

    outbox: Controller
    jobs: JobThread

    def stop(self) -> None:
        """Stop the job thread and the outbox."""
        self.jobs.stopped.set()
        self.jobs.join(timeout=30)
        self.outbox.stop()


def start_background(app: Flask) -> Background:
    """Start the local outbox (and point the tool's mail at it) and the job thread."""
    host = "127.0.0.1"
    port = _free_port(host)
    outbox = Controller(DemoOutbox(app), hostname=host, port=port)
    outbox.start()
    app.config.update(
        MAIL_SERVER=host,
        MAIL_PORT=port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
    )
    jobs = JobThread(app, float(app.config["DEMO_JOB_INTERVAL_SECONDS"]))
    jobs.start()
    return Background(outbox, jobs)
