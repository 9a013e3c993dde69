"""The time-driven job runner (§7): one plain function that cron (``jobs run-due``) and the
worker (``jobs worker``) call. It sits above the domains and calls them; they never import it.

Safe to run twice and from two places at once: each step takes its rows with atomic claims and
dedupe keys, so a second run changes nothing and sends nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from ..extensions import db
from ..gradebook.operations import deliver_due_scores
from ..mentoring import deadlines
from ..models_base import utcnow
from ..monitoring import heartbeat
from ..notifications.delivery import deliver_due_emails
from ..privacy.operations import anonymise_expired_mentorships
from ..staff.roster import step_running_syncs


@dataclass
class JobReport:
    """What one run of the due jobs did, step by step."""

    reminders: int = 0
    expired: int = 0
    escalated: int = 0
    auto_busy: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    scores_posted: int = 0
    scores_failed: int = 0
    roster_pages: int = 0
    anonymised: int = 0

    def lines(self) -> list[str]:
        """Return one ``name: count`` line per step, as the CLI prints them."""
        return [f"{name}: {count}" for name, count in asdict(self).items()]


def run_due(now: datetime | None = None) -> JobReport:
    """Run every due step: reminders, expiries, deliveries, roster sync, retention (§3, §7)."""
    now = now or utcnow()
    report = JobReport()
    try:
        report.reminders = deadlines.send_due_reminders(now)
        db.session.commit()
        expiries = deadlines.expire_overdue_requests(now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    report.expired = expiries.expired
    report.escalated = expiries.escalated
    report.auto_busy = expiries.auto_busy
    delivery = deliver_due_emails(now)
    report.emails_sent = delivery.sent
    report.emails_failed = delivery.failed
    scores = deliver_due_scores(now)
    report.scores_posted = scores.posted
    report.scores_failed = scores.failed
    report.roster_pages = step_running_syncs(now=now)
    try:
        report.anonymised = anonymise_expired_mentorships(now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    heartbeat.record_run()  # the console's and /metrics' "last run" (issue 13)
    return report
