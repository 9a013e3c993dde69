"""Completion scores for the LMS gradebook, queued with the completion and posted by the job
runner with retries (§6 Assignment and Grade Services)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the score outbox's model."""
    from . import models  # noqa: F401
