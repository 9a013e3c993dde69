"""What every staff action shares: who is staff of a course, and how a refusal is raised."""

from __future__ import annotations

from ..mentoring.rules import MentoringError, NotAllowed, require_staff

#: A staff action refused with a translated ``message`` beside ``field`` (the journey's type).
StaffError = MentoringError

__all__ = ["NotAllowed", "StaffError", "require_staff"]
