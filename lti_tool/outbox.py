"""One outbox mechanism for everything the tool hands to another system (e-mails, scores).

An outbox row waits with ``status`` *queued* and a ``next_attempt_at``. A runner (``jobs``):

1. **claims** a batch in ONE statement: ``WITH due AS MATERIALIZED (SELECT id … ORDER BY …
   LIMIT n FOR UPDATE SKIP LOCKED) UPDATE … SET claimed_by = <run>, next_attempt_at = now +
   claim WHERE id IN (SELECT id FROM due) … RETURNING id`` (on SQLite the same statement without
   ``FOR UPDATE``: SQLite serialises writers, so the select and the update are one atomic step).
   Two runners never claim the same row;
2. tries **each item on its own**: a failure charges that item only;
3. records the outcome with compare-and-set on ``claimed_by`` (a runner whose claim was taken
   over writes nothing) and commits **once per batch**.

A failed attempt waits ``RetryPolicy.delay(attempts)`` (exponential, capped); after
``max_attempts`` the item turns *failed*: never dropped, visible to admins (console, staff
pages), who may ``retry_now`` or ``give_up`` with a reason. A claim lapses after
``claim_seconds`` (runner killed), and the item is then due again: delivery is **at least once**.
A run stops taking new items after ``run_seconds``, which is kept well under the claim time, so
a live runner never outlasts its claims.

Per-destination back-off (a circuit breaker) lives in :class:`DeliveryBackoff`: after a failure
that says "the other side is down" (timeouts, 5xx), the destination's items are skipped without
being charged until its back-off passes; one success closes it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import Integer, String, Text, bindparam, delete, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db
from .models_base import UTCDateTime, utcnow

Item = TypeVar("Item", bound=Any)
#: The PostgreSQL channel a transaction that queues work notifies (``jobs worker`` listens).
CHANNEL = "lti_tool_jobs"
#: Set when the process was asked to stop (SIGTERM to ``jobs worker``): runs stop taking items.
STOP = threading.Event()
#: Every outbox by its model, for :func:`retry_now` and :func:`give_up`.
_OUTBOXES: dict[type[Any], Outbox[Any]] = {}


@dataclass(frozen=True)
class RetryPolicy:
    """How every outbox retries, claims and bounds its runs (``outbox_*`` configuration keys)."""

    base_seconds: int = 60
    max_seconds: int = 3600
    max_attempts: int = 15
    claim_seconds: int = 600
    batch_size: int = 50
    run_seconds: float = 240.0

    @classmethod
    def from_config(cls, config: Any) -> RetryPolicy:
        """Read the policy; a run always stops well (half) before its claims lapse."""
        claim = int(config.get("OUTBOX_CLAIM_SECONDS", cls.claim_seconds))
        run = float(config.get("OUTBOX_RUN_SECONDS", cls.run_seconds))
        return cls(
            base_seconds=int(config.get("OUTBOX_RETRY_BASE_SECONDS", cls.base_seconds)),
            max_seconds=int(config.get("OUTBOX_RETRY_MAX_SECONDS", cls.max_seconds)),
            max_attempts=max(1, int(config.get("OUTBOX_MAX_ATTEMPTS", cls.max_attempts))),
            claim_seconds=claim,
            batch_size=max(1, int(config.get("OUTBOX_BATCH_SIZE", cls.batch_size))),
            run_seconds=min(run, claim / 2),
        )

    def delay(self, attempts: int) -> timedelta:
        """Return the wait after ``attempts`` failed attempts: base, 2×base, 4×base … capped."""
        exponent = min(max(attempts - 1, 0), 30)
        return timedelta(seconds=min(self.base_seconds * 2**exponent, self.max_seconds))


def retry_policy() -> RetryPolicy:
    """Return the configured policy of the running app (the defaults outside an app)."""
    return RetryPolicy.from_config(current_app.config) if has_app_context() else RetryPolicy()


def new_run_token() -> str:
    """Return a fresh claim token for one run."""
    return uuid.uuid4().hex


class Deadline:
    """The wall-clock bound of one run (monotonic, so clock changes do not matter)."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def passed(self) -> bool:
        """Whether the run must stop taking new items (its time is up, or a stop was asked)."""
        return STOP.is_set() or time.monotonic() >= self.ends


class DeliveryBackoff(db.Model):
    """A destination (a platform, a mail server) that failed as a whole: skipped until ``until``."""

    __tablename__ = "delivery_backoff"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class Breakers:
    """The back-off of the destinations one run meets, read once per batch."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self._open: dict[str, datetime] = {}

    def load(self, keys: Iterable[str]) -> None:
        """Read the back-off rows of ``keys`` in one statement."""
        wanted = set(keys) - set(self._open)
        if not wanted:
            return
        for row in db.session.scalars(
            select(DeliveryBackoff).where(DeliveryBackoff.key.in_(wanted))
        ):
            self._open[row.key] = row.until

    def open_until(self, key: str, now: datetime) -> datetime | None:
        """Return until when ``key`` is skipped, or None when it may be tried."""
        until = self._open.get(key)
        return until if until is not None and until > now else None

    def failed(self, key: str, now: datetime, error: str) -> datetime:
        """Open (or widen) the back-off of ``key``; return until when it is skipped."""
        row = db.session.get(DeliveryBackoff, key)
        if row is None:
            row = DeliveryBackoff(key=key, failures=0, until=now)
            db.session.add(row)
        row.failures += 1
        row.until = now + self.policy.delay(row.failures)
        row.last_error = error[:2000]
        self._open[key] = row.until
        return row.until

    def succeeded(self, key: str) -> None:
        """Close the back-off of ``key`` (one statement, only when it was open)."""
        if key in self._open:
            db.session.execute(delete(DeliveryBackoff).where(DeliveryBackoff.key == key))
            del self._open[key]


class Outbox(Generic[Item]):
    """The claim / record / retry rules over one outbox model.

    The model has ``id``, ``status``, ``attempts``, ``next_attempt_at``, ``last_error``,
    ``claimed_by`` and ``given_up_reason``; ``done`` returns the columns of a delivered item.
    """

    def __init__(
        self,
        model: type[Item],
        *,
        queued: Any,
        failed: Any,
        done: Callable[[datetime], dict[str, Any]],
        backoff_key: Callable[[Item], str] | None = None,
    ) -> None:
        self.model = model
        self.queued = queued
        self.failed = failed
        self.done = done
        #: The destination an item goes to, when destinations back off as a whole.
        self.backoff_key = backoff_key
        _OUTBOXES[model] = self

    # -- claiming ---------------------------------------------------------------------------

    def claim(
        self, now: datetime, limit: int, token: str, policy: RetryPolicy | None = None
    ) -> list[Item]:
        """Claim up to ``limit`` due items for the run ``token`` (one UPDATE) and load them."""
        policy = policy or retry_policy()
        model = self.model
        # MATERIALIZED: the due rows are chosen once. As a plain ``IN (sub-select)``
        # PostgreSQL may run the sub-select again for each row and, since the rows it already
        # updated no longer match, claim far more than ``limit``.
        due = (
            select(model.id)
            .where(model.status == self.queued, model.next_attempt_at <= now)
            .order_by(model.next_attempt_at, model.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due")
            .prefix_with("MATERIALIZED")
        )
        ids = list(
            db.session.scalars(
                update(model)
                .where(
                    model.id.in_(select(due.c.id)),
                    model.status == self.queued,
                    model.next_attempt_at <= now,
                )
                .values(
                    claimed_by=token,
                    next_attempt_at=now + timedelta(seconds=policy.claim_seconds),
                )
                .returning(model.id)
                .execution_options(synchronize_session=False)
            )
        )
        db.session.commit()  # the claim holds on its own, whatever happens next
        if not ids:
            return []
        items = db.session.scalars(
            select(model)
            .where(model.id.in_(ids))
            .order_by(model.id)
            .execution_options(populate_existing=True)
        ).all()
        return list(items)

    def claim_one(self, item_id: int, now: datetime, token: str | None = None) -> Item | None:
        """Claim one given item (compare-and-set); None when it is not due or someone has it."""
        model = self.model
        result = db.session.execute(
            update(model)
            .where(model.id == item_id, model.status == self.queued, model.next_attempt_at <= now)
            .values(
                claimed_by=token or new_run_token(),
                next_attempt_at=now + timedelta(seconds=retry_policy().claim_seconds),
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return db.session.get(model, item_id, populate_existing=True)

    # -- outcomes (flushed, committed by the caller once per batch) -------------------------

    def mark_done(self, items: Sequence[Item], token: str, now: datetime) -> int:
        """Record delivered items in one statement; return how many this run still held."""
        if not items:
            return 0
        model = self.model
        result = db.session.execute(
            update(model)
            .where(model.id.in_([item.id for item in items]), model.claimed_by == token)
            .values(
                status=self.done_status,
                attempts=model.attempts + 1,
                last_error=None,
                claimed_by=None,
                **self.done(now),
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    @property
    def done_status(self) -> Any:
        """The status of a delivered item (the enum member that is neither queued nor failed)."""
        members = [m for m in type(self.queued) if m not in (self.queued, self.failed)]
        return members[0]

    def failure_values(
        self, item: Item, error: str, now: datetime, policy: RetryPolicy
    ) -> dict[str, Any]:
        """The columns of a failed attempt: charged, backed off, failed after the cap."""
        attempts = item.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_error": error[:2000],
            "next_attempt_at": now + policy.delay(attempts),
            "claimed_by": None,
        }
        if attempts >= policy.max_attempts:
            values["status"] = self.failed
        return values

    def record_failures(self, failures: Sequence[tuple[Item, dict[str, Any]]], token: str) -> None:
        """Write the failed attempts of a batch (one executemany), only where the claim holds."""
        if not failures:
            return
        model = self.model
        columns = sorted({name for _, values in failures for name in values})
        rows = []
        for item, values in failures:
            full = {name: getattr(item, name) for name in columns}
            full.update(values)
            rows.append(
                {"b_id": item.id, "b_token": token, **{f"v_{k}": v for k, v in full.items()}}
            )
        table = model.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.claimed_by == bindparam("b_token"))
            .values({name: bindparam(f"v_{name}") for name in columns}),
            rows,
        )
        for item, values in failures:
            if values.get("status") == self.failed:
                current_app.logger.warning(
                    "%s %s failed for good after %s attempts: %s",
                    self.model.__tablename__,
                    item.id,
                    values["attempts"],
                    values.get("last_error"),
                )

    def release(self, items: Sequence[Item], token: str, until: datetime) -> None:
        """Give claimed items back untried and uncharged, due again at ``until``."""
        if not items:
            return
        model = self.model
        db.session.execute(
            update(model)
            .where(model.id.in_([item.id for item in items]), model.claimed_by == token)
            .values(claimed_by=None, next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )

    # -- what an administrator may do -------------------------------------------------------

    def _unclaimed(self, now: datetime) -> Any:
        """No runner is sending it right now (never claimed, or the claim lapsed)."""
        model = self.model
        return model.claimed_by.is_(None) | (model.next_attempt_at <= now)

    def retry_now(self, item: Item, now: datetime | None = None) -> Item:
        """Make a waiting or failed item due at once (its attempts start again; flush only)."""
        now = now or utcnow()
        model = self.model
        db.session.execute(
            update(model)
            .where(
                model.id == item.id,
                model.status.in_([self.queued, self.failed]),
                self._unclaimed(now),
            )
            .values(
                status=self.queued,
                next_attempt_at=now,
                attempts=0,
                claimed_by=None,
                given_up_reason=None,
            )
            .execution_options(synchronize_session=False)
        )
        if self.backoff_key is not None:  # "now" means now: the destination is tried again
            key = self.backoff_key(item)
            db.session.execute(delete(DeliveryBackoff).where(DeliveryBackoff.key == key))
        db.session.refresh(item)
        return item

    def give_up(self, item: Item, reason: str, now: datetime | None = None) -> Item:
        """Stop retrying a waiting item; it stays listed as failed with the reason (flush only)."""
        now = now or utcnow()
        model = self.model
        db.session.execute(
            update(model)
            .where(model.id == item.id, model.status == self.queued, self._unclaimed(now))
            .values(status=self.failed, given_up_reason=reason[:500], claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(item)
        return item


def wake(session: Session | None = None) -> None:
    """Wake the workers when this transaction commits (PostgreSQL ``NOTIFY``; else nothing)."""
    session = session or db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"NOTIFY {CHANNEL}")


@event.listens_for(Session, "after_flush")
def _wake_on_new_items(session: Session, _context: Any) -> None:
    """A flush that queued an e-mail or a score notifies the workers (sent on commit)."""
    if _OUTBOXES and any(type(item) in _OUTBOXES for item in session.new):
        wake(session)


def retry_now(item: Any, now: datetime | None = None) -> Any:
    """Make a waiting or failed outbox item (e-mail, score) due at once; flush, never commit.

    Its attempts start again from zero; the next run (or the worker, at once) tries it, under
    the same claim rules, so it is still delivered once.
    """
    wake()
    return _OUTBOXES[type(item)].retry_now(item, now)


def give_up(item: Any, reason: str) -> Any:
    """Stop retrying a waiting outbox item; it stays listed as failed with ``reason``."""
    return _OUTBOXES[type(item)].give_up(item, reason)


def run_batches(
    outbox: Outbox[Any],
    now: datetime,
    handle: Callable[[list[Any], str, RetryPolicy, Deadline], bool],
    *,
    limit: int | None = None,
) -> None:
    """Claim and hand batches to ``handle`` until nothing is due, the limit or the deadline.

    ``handle`` records each item's outcome and returns False to end the run early; each batch
    is committed here, once.
    """
    policy = retry_policy()
    deadline = Deadline(policy.run_seconds)
    token = new_run_token()
    taken = 0
    while not deadline.passed() and (limit is None or taken < limit):
        size = policy.batch_size if limit is None else min(policy.batch_size, limit - taken)
        batch = outbox.claim(now, size, token, policy)
        if not batch:
            return
        taken += len(batch)
        try:
            go_on = handle(batch, token, policy, deadline)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        if not go_on:
            return
