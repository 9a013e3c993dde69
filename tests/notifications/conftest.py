"""Fixtures of the notification tests: a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notifications.support import SmtpSink


@pytest.fixture
def smtp(app) -> Iterator[SmtpSink]:
    """A running SMTP server the tool is configured to deliver to."""
    sink = SmtpSink()
    sink.configure(app)
    sink.start()
    yield sink
    sink.stop()
