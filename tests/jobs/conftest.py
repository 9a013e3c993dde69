"""Fixtures of the job tests: launched people (as the console tests launch them)."""

from tests.admin.conftest import admin, launch_as  # noqa: F401
from tests.notifications.conftest import smtp  # noqa: F401, E402
