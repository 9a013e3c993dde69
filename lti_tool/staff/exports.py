"""CSV exports of the cohort: progress and averaged evaluations, nothing private (§3).

No column carries the text of notes, forms, requests or evaluations: states, counts, dates,
yes/no and averages only; evaluation averages only when the programme lets staff see scores.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from ..evaluation.queries import QuestionAverage
from .queries import EvaluationAverage, LearnerState, display_name

PROGRESS_COLUMNS = (
    "learner",
    "email",
    "state",
    "mentor",
    "contacts_done",
    "contacts_planned",
    "agreement_confirmed",
    "mentee_evaluated",
    "started_on",
    "concluded_on",
    "ended_early_on",
)
EVALUATION_COLUMNS = (
    "side",
    "evaluations",
    "question_number",
    "question",
    "kind",
    "answers",
    "average",
)


def _line(values: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["" if value is None else _safe(value) for value in values])
    return buffer.getvalue()


def _safe(value: object) -> object:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _day(value: object) -> str:
    return value.date().isoformat() if hasattr(value, "date") else ""


def progress_csv(rows: Iterable[object]) -> Iterator[str]:
    """Yield the progress export line by line (rows from ``queries.progress_rows``)."""
    yield _line(PROGRESS_COLUMNS)
    for row in rows:
        yield _line(
            (
                display_name(row.name, row.given_name, row.family_name),  # type: ignore[attr-defined]
                row.email,  # type: ignore[attr-defined]
                LearnerState(row.state).value,  # type: ignore[attr-defined]
                display_name(row.mentor_name, row.mentor_given_name, row.mentor_family_name),  # type: ignore[attr-defined]
                row.contacts_done,  # type: ignore[attr-defined]
                row.contacts_planned,  # type: ignore[attr-defined]
                _yes_no(row.has_agreement, row.mentorship_id),  # type: ignore[attr-defined]
                _yes_no(row.mentee_evaluated, row.mentorship_id),  # type: ignore[attr-defined]
                _day(row.started_at),  # type: ignore[attr-defined]
                _day(row.concluded_at),  # type: ignore[attr-defined]
                _day(row.ended_at),  # type: ignore[attr-defined]
            )
        )


def _yes_no(flag: object, mentorship_id: object) -> str:
    if mentorship_id is None:
        return ""
    return "yes" if flag else "no"


def evaluations_csv(
    averages: Iterable[EvaluationAverage],
    questions: Sequence[QuestionAverage],
    *,
    with_scores: bool,
) -> str:
    """Return each side's evaluations, averaged question by question when scores may be seen.

    ``average`` is the mean rating (1–5) of a rating question and the share of "yes" (0–1) of a
    yes/no question. Without the right to see scores only the number of evaluations is given.
    """
    lines = [_line(EVALUATION_COLUMNS)]
    for average in averages:
        side = average.side.value
        if not with_scores or not questions:
            lines.append(_line((side, average.count, None, None, None, None, None)))
            continue
        for question in questions:
            found = question.by_side[side]
            lines.append(
                _line(
                    (
                        side,
                        average.count,
                        question.number,
                        str(question.label),
                        question.kind.value,
                        found.answers,
                        found.value,
                    )
                )
            )
    return "".join(lines)
