"""The seed's evaluation questions: process and results, answered by both sides (§4.6)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from .models import QuestionKind

#: key → (kind, words); the order is the order they are asked in.
DEFAULT_QUESTIONS: dict[str, tuple[QuestionKind, LazyString]] = {
    "process_rating": (QuestionKind.RATING, _l("How well did the mentoring process work?")),
    "goal_attainment": (QuestionKind.RATING, _l("How far were the goals reached?")),
    "usefulness": (QuestionKind.RATING, _l("How useful was the mentoring to you?")),
    "what_helped": (QuestionKind.TEXT, _l("What helped")),
    "what_to_change": (QuestionKind.TEXT, _l("What should change")),
    "would_recommend": (
        QuestionKind.YES_NO,
        _l("Would you recommend this mentoring to others?"),
    ),
}

KIND_LABELS: dict[QuestionKind, LazyString] = {
    QuestionKind.RATING: _l("Rating from 1 to 5"),
    QuestionKind.YES_NO: _l("Yes or no"),
    QuestionKind.TEXT: _l("Free text"),
}
