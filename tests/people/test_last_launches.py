"""Last launches gathered per worker process and written in batches (issue 12): one statement and
one commit per interval, the later time kept, written by a thread of its own and when a gunicorn
worker stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import select, update

from lti_tool.extensions import db
from lti_tool.models_base import utcnow
from lti_tool.people.last_launches import EXTENSION, LastLaunches
from lti_tool.people.models import Membership
from lti_tool.people.operations import LAST_LAUNCH_PRECISION
from tests.support.factories import make_course, make_member
from tests.support.statements import counting

ROOT = Path(__file__).resolve().parent.parent.parent


def _last_launch(membership_id: int):  # noqa: ANN202
    db.session.rollback()  # a fresh snapshot: the batch was written by another connection
    return db.session.scalar(select(Membership.last_launch_at).filter_by(id=membership_id))


def test_a_batch_writes_each_memberships_latest_launch_in_one_statement_and_commit(app):
    course = make_course()
    anna, ben = make_member(course, name="Anna"), make_member(course, name="Ben")
    now = utcnow().replace(microsecond=0)
    anna.last_launch_at = now - timedelta(days=1)
    ben.last_launch_at = now  # stored newer than what a slower worker recorded
    db.session.commit()
    ids = anna.id, ben.id
    batches = LastLaunches(app, interval=3600)

    batches.record(ids[0], now - timedelta(minutes=30))
    batches.record(ids[0], now - timedelta(minutes=5))
    batches.record(ids[0], now - timedelta(minutes=20))  # older than the one kept
    batches.record(ids[1], now - timedelta(hours=2))
    assert batches.pending() == 2
    with counting() as seen:
        assert batches.write() == 2

    assert len(seen["statements"]) == 1 and len(seen["commits"]) == 1
    assert _last_launch(ids[0]) == now - timedelta(minutes=5)
    assert _last_launch(ids[1]) == now  # never moved back
    with counting() as again:
        assert batches.write() == 0
    assert again["statements"] == []


def test_a_first_launch_of_the_day_leaves_its_last_launch_to_the_batch(app, launch, monkeypatch):
    """With batches on, the launch itself writes nothing: 2 statements, no commit."""
    assert launch(user_id="back-tomorrow").status_code == 303
    long_ago = utcnow() - LAST_LAUNCH_PRECISION - timedelta(minutes=1)
    db.session.execute(update(Membership).values(last_launch_at=long_ago))
    db.session.commit()
    batches = LastLaunches(app, interval=3600)
    monkeypatch.setitem(app.extensions, EXTENSION, batches)

    with counting() as seen:
        assert launch(user_id="back-tomorrow").status_code == 303

    assert len(seen["statements"]) == 2 and seen["commits"] == []
    membership_id = db.session.scalar(select(Membership.id))
    assert _last_launch(membership_id) == long_ago
    assert batches.write() == 1
    assert _last_launch(membership_id) > long_ago + timedelta(minutes=1)


def test_the_writer_thread_writes_within_its_interval(app):
    course = make_course()
    member = make_member(course)
    db.session.commit()
    member_id = member.id
    moment = utcnow().replace(microsecond=0)
    batches = LastLaunches(app, interval=0.2)

    batches.record(member_id, moment)

    deadline = time.monotonic() + 10
    while _last_launch(member_id) != moment and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _last_launch(member_id) == moment
    assert batches.pending() == 0


def test_a_gunicorn_worker_that_stops_writes_what_it_holds(app, database_url, tmp_path):
    """A worker recycled after ``max_requests``, or stopped with the server (SIGTERM), writes
    its last interval's launches as it exits: real gunicorn workers, with an interval so long
    that only the exit can have written them."""
    course = make_course()
    first, second, third = (make_member(course, name=name) for name in ("A", "B", "C"))
    db.session.commit()
    ids = first.id, second.id, third.id
    moment = utcnow().replace(microsecond=0)
    port = _free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LTI_TOOL_SECRET_KEY": "test-secret",
        "LTI_TOOL_DATABASE_URL": database_url,
        "LTI_TOOL_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LTI_TOOL_LAST_LAUNCH_WRITE_SECONDS": "3600",
    }
    environment.pop("LTI_TOOL_CONFIG", None)
    command = [str(Path(sys.executable).parent / "gunicorn"), "--config", os.devnull]
    command += ["-w", "1", "-k", "sync", "--max-requests", "2", "-b", f"127.0.0.1:{port}"]
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [*command, "tests.support.last_launch_app:make()"],
        cwd=tmp_path,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def record(membership_id: int) -> None:
        url = f"{base}/record/{membership_id}/{moment.isoformat()}"
        for _ in range(300):
            try:
                answer = requests.get(url, timeout=10)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer.text == "kept"

    try:
        record(ids[0])
        assert _last_launch(ids[0]) is None  # held by the worker
        record(ids[1])  # its second request: the worker is recycled
        deadline = time.monotonic() + 30
        while _last_launch(ids[1]) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (_last_launch(ids[0]), _last_launch(ids[1])) == (moment, moment)

        record(ids[2])  # the new worker
        assert _last_launch(ids[2]) is None
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert _last_launch(ids[2]) == moment, (tmp_path / "gunicorn.log").read_text()[-2000:]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
