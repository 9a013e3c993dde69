"""When the job runner last finished a run: kept in the shared cache (Redis in production), so
the console and ``/metrics`` of every app host see the runs of every worker or cron host."""

from __future__ import annotations

import contextlib
from datetime import datetime

from ..extensions import cache
from ..models_base import utcnow

KEY = "jobs:last-run"


def record_run(moment: datetime | None = None) -> None:
    """Note that a run of the due jobs finished now; never fails the run."""
    # A heartbeat must never break the jobs it reports on.
    with contextlib.suppress(Exception):
        cache.set(KEY, (moment or utcnow()).isoformat(), timeout=0)


def last_run_at() -> datetime | None:
    """Return when a run last finished, if any was recorded (and the cache answers)."""
    try:
        value = cache.get(KEY)
    except Exception:  # noqa: BLE001
        return None
    return datetime.fromisoformat(value) if isinstance(value, str) else None
