"""Server-side charts as plain numbers for inline SVG (no script; each chart has a data table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..evaluation.models import QuestionKind
from ..evaluation.queries import QuestionAverage
from .queries import WeekBar

WIDTH = 600
HEIGHT = 220
MARGIN = 30
#: Series of the progress chart, in drawing order, with their CSS class.
SERIES = ("started", "contacts", "concluded")


@dataclass(frozen=True)
class Bar:
    """One rectangle of a chart and the number it stands for."""

    series: str
    x: float
    y: float
    width: float
    height: float
    value: int | float


@dataclass(frozen=True)
class BarChart:
    """Bars with their axis labels, in a ``WIDTH`` × ``HEIGHT`` view box."""

    bars: list[Bar]
    labels: list[tuple[float, str]]
    maximum: float
    width: int = WIDTH
    height: int = HEIGHT


def progress_chart(weeks: Sequence[WeekBar]) -> BarChart:
    """Return grouped bars per week: mentorships started, contacts held, mentorships concluded."""
    maximum = max([1] + [getattr(week, name) for week in weeks for name in SERIES])
    slot = (WIDTH - MARGIN) / max(1, len(weeks))
    bar_width = slot / (len(SERIES) + 1)
    plot = HEIGHT - MARGIN
    bars = []
    labels = []
    for index, week in enumerate(weeks):
        left = MARGIN + index * slot
        labels.append((left + slot / 2, week.week.strftime("%d.%m")))
        for number, name in enumerate(SERIES):
            value = getattr(week, name)
            height = plot * value / maximum
            bars.append(
                Bar(name, left + number * bar_width, plot - height, bar_width * 0.9, height, value)
            )
    return BarChart(bars, labels, maximum)


def evaluation_chart(questions: Sequence[QuestionAverage]) -> BarChart:
    """Return bars of the averaged ratings (1–5) of each side, rating question by question.

    The questions are labelled by their number; the table beside the chart names them.
    """
    ratings = [question for question in questions if question.kind == QuestionKind.RATING]
    slot = (WIDTH - MARGIN) / max(len(ratings), 1)
    bar_width = slot / 3
    plot = HEIGHT - MARGIN
    bars = []
    labels = []
    for index, question in enumerate(ratings):
        left = MARGIN + index * slot
        labels.append((left + slot / 2, str(question.number)))
        for number, side in enumerate(("mentee", "mentor")):
            value = question.by_side[side].value or 0
            height = plot * value / 5
            bars.append(
                Bar(side, left + number * bar_width, plot - height, bar_width * 0.9, height, value)
            )
    return BarChart(bars, labels, 5)
