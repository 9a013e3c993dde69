"""Fixtures of the job tests: launched people (as the console tests launch them)."""

from tests.admin.conftest import admin, launch_as  # noqa: F401
