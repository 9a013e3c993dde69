"""A lean launch (issue 12): few statements, one commit, nothing per request that a process can
keep (platform keys), and a login that writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from lti_tool import http
from lti_tool.extensions import db
from lti_tool.models_base import utcnow
from lti_tool.people.models import CourseRole, Membership
from lti_tool.people.operations import LAST_LAUNCH_PRECISION
from lti_tool.privacy.queries import last_launch_of
from tests.support import openedx
from tests.support.statements import counting, writes
from tests.support.tokens import rewrite_id_token


def test_a_returning_persons_login_and_launch_take_few_statements_and_one_commit(launch):
    """The login reads the registration; the launch reads it again with its deployment and the
    person's user, course, membership and resource link, in one statement. A returning
    person's first launch of the day records it: one UPDATE, one commit. A relaunch within
    minutes has nothing to write, so nothing to commit."""
    assert launch(user_id="back-again", name="Anna", email="anna@example.org").status_code == 303
    long_ago = utcnow() - LAST_LAUNCH_PRECISION - timedelta(minutes=1)
    db.session.execute(update(Membership).values(last_launch_at=long_ago))
    db.session.commit()

    with counting() as first_of_the_day:
        response = launch(user_id="back-again", name="Anna", email="anna@example.org")
    with counting() as relaunch:
        again = launch(user_id="back-again", name="Anna", email="anna@example.org")

    assert response.status_code == again.status_code == 303
    statements = first_of_the_day["statements"]
    assert len(statements) == 3, "\n".join(statements)
    assert [s.split()[1] for s in writes(statements)] == ["membership"]
    assert len(first_of_the_day["commits"]) == 1
    assert len(relaunch["statements"]) == 2, "\n".join(relaunch["statements"])
    assert writes(relaunch["statements"]) == [] and relaunch["commits"] == []


RELAXED_COMMIT = "SET LOCAL synchronous_commit TO OFF"


def test_on_postgresql_a_launch_that_writes_does_not_wait_for_the_disk(app, launch):
    """What a launch writes, the person's next launch writes again: on PostgreSQL its commit
    does not wait for the WAL to reach the disk (for this transaction only: ``SET LOCAL``).
    A launch that writes nothing has nothing to commit."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: set LTI_TOOL_DATABASE_URL")
    with counting() as first:
        assert launch(user_id="newcomer", name="Nina").status_code == 303
    with counting() as again:
        assert launch(user_id="newcomer", name="Nina").status_code == 303

    assert RELAXED_COMMIT in first["statements"]
    assert first["statements"].index(RELAXED_COMMIT) > max(
        first["statements"].index(s) for s in writes(first["statements"])
    )
    assert writes(again["statements"]) == [] and RELAXED_COMMIT not in again["statements"]
    assert len(first["commits"]) == 1 and again["commits"] == []


def test_a_relaunch_within_minutes_writes_only_what_changed(app, launch):
    """Each activity clicked in the LMS is a launch: moving between them writes nothing but a
    change (here a new name and a new role); the last launch is kept to the quarter hour."""
    assert launch(user_id="mover", name="Anna").status_code == 303
    member = db.session.scalars(select(Membership)).one()
    first_launch = member.last_launch_at
    db.session.rollback()

    with counting() as same:
        assert launch(user_id="mover", name="Anna").status_code == 303
    with counting() as changed:
        assert launch(user_id="mover", name="Anna Rossi", role="staff").status_code == 303

    assert writes(same["statements"]) == [] and same["commits"] == []
    assert [s.split()[1] for s in writes(changed["statements"])] == ["user_account", "membership"]
    assert len(changed["commits"]) == 1  # both copies, one transaction
    member = db.session.scalars(select(Membership)).one()
    assert (member.user.name, member.role) == ("Anna Rossi", CourseRole.STAFF)
    assert member.last_launch_at == first_launch


def test_a_launch_after_the_precision_records_the_new_last_launch(app, launch):
    """A returning person's first launch of the day writes one statement, their membership's
    last launch (the person's is the latest of theirs). On PostgreSQL it commits by itself (on
    the engine of launch copies): no BEGIN, SET LOCAL and COMMIT round trips, no transaction
    left open."""
    assert launch(user_id="back-later").status_code == 303
    long_ago = utcnow() - LAST_LAUNCH_PRECISION - timedelta(minutes=1)
    db.session.execute(update(Membership).values(last_launch_at=long_ago))
    db.session.commit()

    with counting() as seen:
        assert launch(user_id="back-later").status_code == 303

    written = writes(seen["statements"])
    assert [s.split()[1] for s in written] == ["membership"]
    assert RELAXED_COMMIT not in seen["statements"]
    if db.engine.dialect.name == "postgresql":
        assert seen["in_transaction"] == [False] * len(seen["statements"])
    member = db.session.scalars(select(Membership)).one()
    assert member.last_launch_at > long_ago + timedelta(minutes=1)
    assert last_launch_of(member.user) == member.last_launch_at


def test_the_login_redirect_writes_nothing_to_the_database(client, openedx_consumer, launch):
    with counting() as seen:
        openedx.start_login(
            client,
            openedx_consumer,
            user_id="someone",
            role="student",
            resource_link_id="link",
            context_id="course",
        )

    assert len(seen["statements"]) == 1  # the registration
    assert not [s for s in seen["statements"] if not s.lstrip().upper().startswith("SELECT")]
    assert seen["commits"] == []


@contextmanager
def keyset_fetches() -> Iterator[list[str]]:
    """Record the tool's requests for the platform's key set."""
    fetched: list[str] = []

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        if response.url == openedx.KEYSET_URL:
            fetched.append(response.url)

    session = http.session()
    session.hooks["response"].append(hook)
    try:
        yield fetched
    finally:
        session.hooks["response"].remove(hook)


def test_the_platform_key_set_is_fetched_once_per_process_and_again_for_a_new_kid(app, launch):
    app.extensions.pop("lti_tool.platform_jwks", None)

    with keyset_fetches() as fetched:
        for number in range(3):
            assert launch(user_id=f"person-{number}").status_code == 303
    assert len(fetched) == 1

    def rotated(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        return {**payload, "id_token": rewrite_id_token(payload["id_token"], kid="next-key")}

    app.extensions["lti_tool.platform_jwks"][openedx.KEYSET_URL].fetched_at -= 60
    with keyset_fetches() as fetched:
        assert launch(user_id="person-9", tamper=rotated).status_code == 403
        assert launch(user_id="person-9", tamper=rotated).status_code == 403
    assert len(fetched) == 1  # refetched for the unknown kid, then not again within seconds
