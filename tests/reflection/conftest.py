"""People launched from Open edX into the reflection activity, with or without a line item."""

from __future__ import annotations

import html
import re
import types
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.reflection import queries
from lti_tool.reflection.models import ReflectionQuestion
from lti_tool.reflection.operations import audiences_of
from tests.mentoring.factories import start
from tests.mentoring.web import Person, _fresh_g, join
from tests.support import openedx
from tests.support.factories import make_mentor

REFLECTION_LINK = "block-v1:Org+Mentoring+2026+type@lti_consumer+block@reflection"
EVALUATION_LINK = "block-v1:Org+Mentoring+2026+type@lti_consumer+block@evaluation"
PREPARATION_LINK = "block-v1:Org+Mentoring+2026+type@lti_consumer+block@preparation"
LINKS = {"reflection": REFLECTION_LINK, "evaluation": EVALUATION_LINK}


@pytest.fixture
def people(app, launch, snapshots):
    """A mentee and her mentor (a mentorship), another learner and mentor, and staff."""
    return snapshots.once((__name__, "people"), lambda: _people(app, launch))


def _people(app, launch):
    mentee = join(app, launch, "mentee", name="Luca Learner")
    mentor = join(app, launch, "mentor", role="Community TA", name="Marta Mentore")
    other_mentor = join(app, launch, "mentor-2", role="Community TA", name="Oscar Other")
    crew = types.SimpleNamespace(
        mentee=mentee,
        mentor=mentor,
        other=join(app, launch, "other", name="Olga Other"),
        other_mentor=other_mentor,
        staff=join(app, launch, "teacher", role="staff", name="Stella Staff"),
    )
    course = mentor.membership.course
    profile = make_mentor(course, membership=mentor.membership)
    make_mentor(course, membership=other_mentor.membership)
    crew.mentorship = start(mentee.membership, profile)
    db.session.commit()
    assert mentee.get("/reflection/").status_code == 200  # the course gets its questions
    return crew


def open_activity(
    person: Person,
    launch: Any,
    user_id: str,
    *,
    name: str,
    role: str = "student",
    activity: str = "reflection",
    ags: dict[str, Any] | None = None,
    locale: str | None = None,
) -> Any:
    """Launch the person from the activity's placement (with Open edX's AGS claim if given)."""
    response = launch(
        browser=person.client,
        user_id=user_id,
        role=role,
        name=name,
        email=f"{user_id}@example.org",
        locale=locale,
        resource_link_id=LINKS.get(activity, PREPARATION_LINK),
        resource_link_title=f"{activity.title()} (graded)",
        custom={"activity": activity},
        extra_claims=ags,
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    _fresh_g()
    return person.client.get(response.headers["Location"], follow_redirects=True)


def declarative_line_item(state: openedx.PlatformState, resource_link_id: str) -> dict[str, Any]:
    """A line item the course author made in Open edX, and the read-only AGS claim naming it."""
    item = state.add_line_item(
        label="Reflection", scoreMaximum=100, resourceLinkId=resource_link_id
    )
    return openedx.ags_claim(programmatic=False, lineitem_url=item["id"])


def questions(course_id: int, audience: str | None = None) -> list[ReflectionQuestion]:
    """The questions still asked in the course, in order (of one audience when given)."""
    return [
        question
        for question in queries.questions_of(course_id)
        if audience is None or question.audience == audience
    ]


def all_questions(course_id: int) -> list[ReflectionQuestion]:
    """Every question of the course, retired ones too."""
    return list(db.session.scalars(select(ReflectionQuestion).filter_by(course_id=course_id)))


def answer(person: Person, question_id: int, text: str, **options: Any) -> Any:
    """Save an answer as a version (``draft=True``: as a draft, like the autosave)."""
    prefix = f"q{question_id}-"
    data = {prefix + "text": text}
    if options.get("share_with_partner"):
        data[prefix + "share_with_partner"] = "y"
    if options.get("share_with_staff"):
        data[prefix + "share_with_staff"] = "y"
    headers = {}
    if options.get("draft"):
        headers["X-Autosave"] = "1"
    else:
        data[prefix + "submit"] = "Save answer"
    return person.post(f"/reflection/questions/{question_id}/answer", data, headers=headers)


def asked_of(person: Person) -> list[ReflectionQuestion]:
    """The questions still asked of the person (by audience), in order."""
    audiences = audiences_of(person.membership)
    return [q for q in questions(person.course_id) if q.audience in audiences]


def complete(person: Person, **options: Any) -> None:
    """Answer every question still asked of the person."""
    for question in asked_of(person):
        response = answer(person, question.id, f"My answer to question {question.id}.", **options)
        assert response.status_code == 302, response.get_data(as_text=True)


def page_text(response: Any) -> str:
    """The page's text without tags, entities resolved, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(text).split())
