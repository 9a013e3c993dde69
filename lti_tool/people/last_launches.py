"""The time of each membership's last launch, gathered in the worker and written in batches.

A returning person's first launch of the day records their new last launch (kept to the quarter
hour: ``operations.LAST_LAUNCH_PRECISION``). Written with the launch, that was an UPDATE, a round
trip and a transaction of its own per launch; at 9:00, with a whole cohort launching, the
database did little else (issue 12: on PostgreSQL it held the first launch of the day at half
the peer's rate). With ``last_launch_write_seconds`` above 0 (1 second by default) each worker
process keeps the times its launches recorded and writes them together, one statement and one
commit per interval, in a thread of its own; a relaunch within the interval changes nothing.

What this trades: a last launch reaches the database up to that interval later (the privacy
export and the roster checks read it; neither needs the second), and if a worker is killed
outright (``kill -9``, a crash) the times of its last interval are lost, to be written again by
each person's next launch. A worker that stops normally (a restart, ``max_requests``) writes
what it holds as it exits. An older time never overwrites a newer one: workers write in any
order.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import bindparam, case, make_url, or_, update

from ..extensions import db
from .models import Membership

#: Where the application keeps its process's last launches (absent: written with the launch).
EXTENSION = "lti_tool_last_launches"

logger = logging.getLogger(__name__)

_column = Membership.__table__.c.last_launch_at
#: Each membership's last launch, unless the stored one is newer (``updated_at`` follows).
_WRITE = (
    update(Membership.__table__)
    .where(Membership.__table__.c.id == bindparam("_id"))
    .values(
        last_launch_at=case(
            (
                or_(_column.is_(None), _column < bindparam("_at", type_=_column.type)),
                bindparam("_at", type_=_column.type),
            ),
            else_=_column,
        )
    )
)


class LastLaunches:
    """One process's last launches waiting to be written, and the thread that writes them."""

    def __init__(self, app: Flask, interval: float) -> None:
        self._app = app
        self.interval = interval
        self._pending: dict[int, datetime] = {}
        self._lock = threading.Lock()
        self._writer_pid: int | None = None
        atexit.register(self._write_at_exit)

    def record(self, membership_id: int, moment: datetime) -> None:
        """Keep a membership's last launch for the next batch (the later of two)."""
        with self._lock:
            known = self._pending.get(membership_id)
            if known is None or known < moment:
                self._pending[membership_id] = moment
            if self._writer_pid != os.getpid():  # the first in this process (or since a fork)
                self._writer_pid = os.getpid()
                threading.Thread(target=self._run, name="last-launches", daemon=True).start()

    def pending(self) -> int:
        """How many memberships' last launches wait to be written."""
        with self._lock:
            return len(self._pending)

    def write(self) -> int:
        """Write what waits, in one statement and one commit; return how many were written.

        On failure what was taken is kept again (unless a newer time came meanwhile) and the
        error is raised: the next interval tries again.
        """
        with self._lock:
            batch, self._pending = self._pending, {}
        if not batch:
            return 0
        rows = [{"_id": key, "_at": moment} for key, moment in sorted(batch.items())]
        try:
            with self._app.app_context(), db.engine.begin() as connection:
                connection.execute(_WRITE, rows)  # in id order: workers lock rows alike
        except Exception:
            with self._lock:
                for key, moment in batch.items():
                    if key not in self._pending or self._pending[key] < moment:
                        self._pending[key] = moment
            raise
        return len(rows)

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.write()
            except Exception:  # noqa: BLE001 - kept for the next interval; say why
                logger.exception("could not write the last launches; trying again")

    def _write_at_exit(self) -> None:
        if self._writer_pid == os.getpid():
            try:
                self.write()
            except Exception:  # noqa: BLE001 - exiting: say what was lost
                logger.exception("last launches of the last %s s not written", self.interval)


def record_last_launch(membership_id: int, moment: datetime) -> bool:
    """Keep a launch's new last launch for its process's next batch; False when batches are
    off (``last_launch_write_seconds = 0``): the launch writes it itself."""
    last_launches = current_app.extensions.get(EXTENSION)
    if last_launches is None:
        return False
    last_launches.record(membership_id, moment)
    return True


def init_app(app: Flask) -> None:
    """Gather last launches per process when ``last_launch_write_seconds`` is above 0 (not on
    an in-memory SQLite database, which another thread's connection would not see)."""
    interval = float(app.config["LAST_LAUNCH_WRITE_SECONDS"])
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    if interval > 0 and not in_memory:
        app.extensions[EXTENSION] = LastLaunches(app, interval)
