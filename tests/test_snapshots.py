"""The test suite's snapshots (tests/support/snapshots.py): a fixture built once per process gives
every later test the same rows, live objects of its own session and browsers still signed in,
and what one test changes never reaches the next."""

from __future__ import annotations

import types

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.people.models import Membership, User
from tests.mentoring.web import join
from tests.support.factories import make_course, make_member
from tests.support.snapshots import Snapshots


def _build(app, launch):
    learner = join(app, launch, "snapshot-learner", name="Sara Snapshot")
    course = learner.membership.course
    return types.SimpleNamespace(
        learner=learner, course=course, bystander=make_member(course, name="Bruno")
    )


def _rows():
    return sorted(
        (member.id, member.user.name, member.course_id)
        for member in db.session.scalars(select(Membership))
    )


def test_a_restored_snapshot_has_the_same_rows_live_objects_and_signed_in_browsers(app, launch):
    snapshots = Snapshots()
    first = snapshots.once("people", lambda: _build(app, launch))
    built = _rows()
    # What this test changes after the build, as a test would:
    first.bystander.user.name = "Changed"
    make_member(make_course("Elsewhere"), name="Extra")
    db.session.commit()
    db.session.remove()  # as between two tests

    again = snapshots.once("people", lambda: _build(app, launch))

    assert _rows() == built  # the change and the extra rows are gone, the ids are the same
    assert again.bystander is not first.bystander
    assert again.bystander in db.session  # a live object of this session
    assert again.bystander.user.name == "Bruno"
    assert again.learner.client is not first.learner.client
    page = again.learner.get("/")  # the new browser is still signed in
    assert page.status_code == 200
    assert "Sara Snapshot" in page.get_data(as_text=True)
    assert db.session.scalar(select(User).filter_by(name="Extra")) is None


def test_new_rows_after_a_restore_take_new_ids(app, launch):
    snapshots = Snapshots()
    snapshots.once("course", lambda: _build(app, launch))
    db.session.remove()
    again = snapshots.once("course", lambda: _build(app, launch))
    restored = [member_id for member_id, _name, _course in _rows()]

    added = make_member(again.course, name="New")
    db.session.commit()

    assert added.id > max(restored)
