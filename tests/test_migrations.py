"""Migrations are the only way the schema changes: they build it, and the models agree."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lti_tool import create_app
from lti_tool.extensions import db
from tests.conftest import _test_config


@contextmanager
def _at_revision(database_url, tmp_path, revision):
    """Inside: the schema as of ``revision`` (in an app context); after: rebuilt to the heads."""
    from flask_migrate import downgrade, upgrade

    app = create_app(_test_config(database_url, tmp_path))
    with app.app_context():
        downgrade(revision=revision)
        try:
            yield
        finally:
            db.session.rollback()
            downgrade(revision="base")
            upgrade(revision="heads")
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def rebuilds_the_schema(_session_app):
    """For a test that drops and rebuilds the tables: afterwards the session's app reconnects,
    as the tool's workers restart after a deployment that migrated (psycopg's statements
    prepared on the old tables would fail once each, ``lti_tool/database.py``)."""
    yield
    with _session_app.app_context():
        db.engine.dispose()


def _is_modelled(name, type_, parent_names):
    """Skip the full-text search objects (FTS5 table and shadow tables, GIN index)."""
    return not (name or "").startswith("mentor_search")


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _is_modelled}
        )
        differences = compare_metadata(context, db.metadata)

    assert differences == []


def test_flask_db_upgrade_builds_the_schema_from_nothing(
    database_url, _migrated, tmp_path, rebuilds_the_schema
):
    app = create_app(_test_config(database_url, tmp_path))
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["db", "downgrade", "base"])
        assert result.exit_code == 0, result.output
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        result = runner.invoke(args=["db", "upgrade"])

        assert result.exit_code == 0, result.output
        tables = set(inspect(db.engine).get_table_names())
        assert {table.name for table in db.metadata.sorted_tables} <= tables
        db.session.remove()
        db.engine.dispose()


def test_the_evaluation_migration_keeps_every_answer(
    database_url, _migrated, tmp_path, rebuilds_the_schema
):
    """d5a8c31e7f90 moves the fixed evaluation columns into one answer per seed question."""
    from flask_migrate import downgrade, upgrade

    from lti_tool.mentoring.models import Mentorship, MentorshipStatus
    from tests.support.factories import make_course, make_member, make_mentor

    with _at_revision(database_url, tmp_path, "1b2c3d4e5f6a"):
        course = make_course()
        mentee = make_member(course, name="Old Evaluator")
        profile = make_mentor(course)
        mentorship = Mentorship(
            course_id=course.id,
            mentee_id=mentee.id,
            mentor_id=profile.id,
            status=MentorshipStatus.CONCLUDED,
        )
        db.session.add(mentorship)
        db.session.flush()
        db.session.execute(
            db.text(
                "INSERT INTO evaluation (mentorship_id, author_id, side, process_rating, "
                "goal_attainment, usefulness, what_helped, what_to_change, would_recommend, "
                "submitted_at) VALUES (:m, :a, 'mentee', 4, 3, 5, 'Old help', '', :yes, "
                "CURRENT_TIMESTAMP)"
            ),
            {"m": mentorship.id, "a": mentee.id, "yes": True},
        )
        db.session.execute(
            db.text(
                "INSERT INTO reflection_question (course_id, key, position, created_at, "
                "updated_at) VALUES (:c, 'reach_mentees', 1, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"
            ),
            {"c": course.id},
        )
        db.session.commit()

        db.session.remove()
        upgrade(revision="d5a8c31e7f90")

        rows = db.session.execute(
            db.text(
                "SELECT q.key, a.rating, a.text, a.agrees FROM evaluation_answer a "
                "JOIN evaluation_question q ON q.id = a.question_id"
            )
        ).all()
        answers = {
            key: next(v for v in (rating, text, agrees) if v is not None)
            for key, rating, text, agrees in rows
        }
        assert answers == {
            "process_rating": 4,
            "goal_attainment": 3,
            "usefulness": 5,
            "what_helped": "Old help",
            "what_to_change": "",
            "would_recommend": True,
        }
        audiences = dict(
            db.session.execute(db.text("SELECT key, audience FROM reflection_question")).all()
        )
        assert audiences == {
            "reach_mentees": "mentors",
            "mentee_question": "mentees",
            "mentee_know_how": "mentees",
        }

        db.session.rollback()  # end the reading transaction: the migration alters tables
        downgrade(revision="1b2c3d4e5f6a")  # and back: the columns hold the answers again
        row = db.session.execute(
            db.text("SELECT process_rating, what_helped, would_recommend FROM evaluation")
        ).one()
        assert tuple(row) == (4, "Old help", True)


def test_every_course_gets_its_programme_with_its_platforms_defaults(
    database_url, _migrated, tmp_path, rebuilds_the_schema
):
    """3e4f5a6b7c8d gives each course whose programme was never read its programme."""
    from flask_migrate import upgrade

    from lti_tool.programme.models import MatchingMode, PlatformDefaults, Programme
    from tests.support.factories import make_course

    with _at_revision(database_url, tmp_path, "2c3d4e5f6a7b"):
        plain = make_course()
        configured = make_course()
        db.session.add(
            PlatformDefaults(
                registration_id=configured.deployment.registration_id,
                mentor_capacity=5,
                matching_mode=MatchingMode.STAFF_ASSIGN,
            )
        )
        db.session.flush()
        db.session.execute(db.text("DELETE FROM programme"))  # as before: none made yet
        db.session.commit()
        ids = plain.id, configured.id
        db.session.remove()

        upgrade(revision="3e4f5a6b7c8d")

        made = {
            p.course_id: (p.mentor_capacity, p.matching_mode, p.contacts_per_mentorship)
            for p in db.session.scalars(db.select(Programme))
        }
        assert made == {
            ids[0]: (3, MatchingMode.BOTH, 4),
            ids[1]: (5, MatchingMode.STAFF_ASSIGN, 4),
        }
