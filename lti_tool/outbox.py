"""One outbox mechanism for everything the tool sends later: e-mails and gradebook scores.

An outbox row is *queued* until it is done (sent, posted). The job runner (``lti_tool.jobs``)
takes due rows in **batches claimed with one statement** — ``UPDATE … WHERE id IN (SELECT …
FOR UPDATE SKIP LOCKED) RETURNING …`` on PostgreSQL; the same statement on SQLite, whose single
writer makes it atomic without the lock clause — which moves the rows' ``next_attempt_at`` past
the claim's end and stamps them with the run's ``claim_token``. Each row is then tried on its
own; its outcome is written only while the claim is still this run's (``claim_token``
compare-and-set), and the batch is committed.

- A failure charges only its row: ``attempts`` + 1, ``last_error``, and a retry after the back-off
  of :func:`retry_delay`. At ``outbox_max_attempts`` the row is marked *failed*: staff and admins
  see it with its last error, and :func:`retry_now` or :func:`give_up` act on it. Nothing is
  ever deleted or dropped silently.
- A run is bounded by time (``jobs_run_seconds``), which is kept well under the claim's length
  (:func:`claim_seconds`), so a claim never lapses while its run still works on it; rows a run
  does not reach are released at once.
- A runner that dies holding a claim leaves rows whose claim lapses: another runner takes them
  over after :func:`claim_seconds`. This is the only way a row can be done twice (at least
  once): see the README's delivery guarantees.

One retry policy for every outbox, from configuration (``outbox_*`` keys).
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import select, update

from .config import DEFAULTS
from .extensions import db
from .models_base import utcnow

Row = TypeVar("Row", bound=Any)


class OutboxState(enum.StrEnum):
    """What the admin console shows of an outbox row."""

    QUEUED = "queued"
    FAILING = "failing"
    FAILED = "failed"
    DONE = "done"


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off, attempt cap, claim length, batch size and run length of every outbox."""

    base_seconds: int
    max_seconds: int
    max_attempts: int
    batch_size: int
    run_seconds: float
    claim_seconds: int

    @classmethod
    def from_config(cls, config: Any = None) -> RetryPolicy:
        """Read the policy from the app's configuration (the defaults outside an app)."""
        if config is None:
            config = current_app.config if has_app_context() else DEFAULTS
        run_seconds = float(config["JOBS_RUN_SECONDS"])
        timeout = max(float(config["MAIL_TIMEOUT_SECONDS"]), float(config["HTTP_TIMEOUT_SECONDS"]))
        # A claim outlives the longest run: its time bound plus one item's calls (SMTP
        # connect and send; token, line item and score), each bounded by its timeout.
        floor = int(2 * run_seconds + 4 * timeout)
        return cls(
            base_seconds=int(config["OUTBOX_RETRY_BASE_SECONDS"]),
            max_seconds=int(config["OUTBOX_RETRY_MAX_SECONDS"]),
            max_attempts=int(config["OUTBOX_MAX_ATTEMPTS"]),
            batch_size=int(config["OUTBOX_BATCH_SIZE"]),
            run_seconds=run_seconds,
            claim_seconds=max(int(config["OUTBOX_CLAIM_SECONDS"]), floor),
        )


def retry_delay(attempts: int, policy: RetryPolicy | None = None) -> timedelta:
    """Return the wait after the given number of failed attempts: base, 2 × base … capped."""
    policy = policy or RetryPolicy.from_config()
    exponent = min(max(attempts - 1, 0), 30)
    return timedelta(seconds=min(policy.base_seconds * 2**exponent, policy.max_seconds))


def claim_seconds() -> int:
    """Return how long a claim keeps other runners off a row."""
    return RetryPolicy.from_config().claim_seconds


@dataclass(frozen=True)
class Outbox:
    """One outbox table: its model, its status values and the column stamped when done."""

    model: Any
    queued: Any
    done: Any
    failed: Any
    done_at: str

    def new_token(self) -> str:
        """Return a fresh claim token for one run."""
        return secrets.token_hex(16)

    def state_of(self, row: Any) -> OutboxState:
        """Tell the admin console's state of a row: queued, failing, failed or done."""
        if row.status == self.done:
            return OutboxState.DONE
        if row.status == self.failed:
            return OutboxState.FAILED
        return OutboxState.FAILING if row.last_error else OutboxState.QUEUED

    # --- the runner's side ----------------------------------------------------------------

    def claim_batch(
        self, now: datetime, token: str, *, limit: int, policy: RetryPolicy, where: Sequence = ()
    ) -> list[Any]:
        """Claim up to ``limit`` due rows with one statement and return them (oldest first).

        The rows come back detached from the session, with their columns loaded: the caller
        commits the claim at once and works on them without reloading any.
        """
        model = self.model
        due = (
            select(model.id)
            .where(model.status == self.queued, model.next_attempt_at <= now, *where)
            .order_by(model.next_attempt_at, model.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = db.session.scalars(
            update(model)
            .where(model.id.in_(due.scalar_subquery()))
            .values(
                next_attempt_at=now + timedelta(seconds=policy.claim_seconds), claim_token=token
            )
            .returning(model),
            execution_options={"synchronize_session": False, "populate_existing": True},
        ).all()
        for row in rows:
            db.session.expunge(row)
        return sorted(rows, key=lambda row: row.id)

    def claim_one(self, row_id: int, now: datetime, token: str, policy: RetryPolicy) -> Any:
        """Claim one due row by id (compare-and-set); None when someone else has it."""
        model = self.model
        result = db.session.execute(
            update(model)
            .where(model.id == row_id, model.status == self.queued, model.next_attempt_at <= now)
            .values(
                next_attempt_at=now + timedelta(seconds=policy.claim_seconds), claim_token=token
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return db.session.get(model, row_id, populate_existing=True)

    def mark_done(self, rows: Sequence[Any], token: str, now: datetime) -> int:
        """Mark rows done in one statement, only those this run still holds; return how many."""
        if not rows:
            return 0
        model = self.model
        result = db.session.execute(
            update(model)
            .where(model.id.in_([row.id for row in rows]), model.claim_token == token)
            .values(
                {
                    "status": self.done,
                    self.done_at: now,
                    "attempts": model.attempts + 1,
                    "last_error": None,
                    "claim_token": None,
                    **self.done_extra(rows),
                }
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def done_extra(self, rows: Sequence[Any]) -> dict[str, Any]:
        """Further columns set when rows are done (none by default)."""
        return {}

    def record_failure(
        self,
        row: Any,
        error: str,
        now: datetime,
        token: str,
        policy: RetryPolicy,
        **values: Any,
    ) -> bool:
        """Charge one failed attempt to a row this run holds; return True when now failed."""
        attempts = row.attempts + 1
        gave_up = attempts >= policy.max_attempts
        values.setdefault("next_attempt_at", now + retry_delay(attempts, policy))
        db.session.execute(
            update(self.model)
            .where(self.model.id == row.id, self.model.claim_token == token)
            .values(
                attempts=attempts,
                last_error=error[:2000],
                claim_token=None,
                status=self.failed if gave_up else self.queued,
                **values,
            )
            .execution_options(synchronize_session=False)
        )
        if gave_up:
            current_app.logger.error(
                "%s %s failed for good after %s attempts: %s",
                self.model.__tablename__,
                row.id,
                attempts,
                error,
            )
        return gave_up

    def release(self, rows: Sequence[Any], token: str, until: datetime, **values: Any) -> None:
        """Give rows back without charging an attempt: due again at ``until``."""
        if not rows:
            return
        db.session.execute(
            update(self.model)
            .where(self.model.id.in_([row.id for row in rows]), self.model.claim_token == token)
            .values(next_attempt_at=until, claim_token=None, **values)
            .execution_options(synchronize_session=False)
        )

    # --- the admin console's side (flush, never commit) -------------------------------------

    def retry_now(self, row: Any) -> bool:
        """Queue a failing or failed row for the next run; False when it is done meanwhile."""
        model = self.model
        result = db.session.execute(
            update(model)
            .where(model.id == row.id, model.status.in_([self.queued, self.failed]))
            .values(status=self.queued, next_attempt_at=utcnow(), claim_token=None)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(row)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def give_up(self, row: Any, reason: str) -> bool:
        """Mark a queued row failed with the admin's reason; False when it is done meanwhile."""
        model = self.model
        result = db.session.execute(
            update(model)
            .where(model.id == row.id, model.status.in_([self.queued, self.failed]))
            .values(status=self.failed, last_error=reason[:2000], claim_token=None)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(row)
        return bool(result.rowcount)  # type: ignore[attr-defined]


_OUTBOXES: dict[type, Outbox] = {}


def register(outbox: Outbox) -> Outbox:
    """Make an outbox known to :func:`outbox_of` (each outbox's domain registers its own)."""
    _OUTBOXES[outbox.model] = outbox
    return outbox


def outbox_of(row: Any) -> Outbox:
    """Return the outbox a row belongs to."""
    return _OUTBOXES[type(row)]


def retry_now(row: Any) -> bool:
    """Admin action: try a failing or failed e-mail or score again at the next run."""
    return outbox_of(row).retry_now(row)


def give_up(row: Any, reason: str) -> bool:
    """Admin action: stop trying an e-mail or score, keeping it visible as failed with why."""
    return outbox_of(row).give_up(row, reason)


def state_of(row: Any) -> OutboxState:
    """Return queued / failing / failed / done for an e-mail or score."""
    return outbox_of(row).state_of(row)
