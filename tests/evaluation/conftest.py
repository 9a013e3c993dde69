"""The reflection tests' launched cohort (a mentee, her mentor, others, staff)."""

from tests.reflection.conftest import people  # noqa: F401
