"""Every form of the journey refuses bad input — empty, too long, wrong type, unknown choice,
foreign id, missing CSRF token — with a message beside the field and no change in the database."""

from __future__ import annotations

import html
import types
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lti_tool.audit import MentoringEvent
from lti_tool.concerns.models import Concern
from lti_tool.evaluation.models import Evaluation
from lti_tool.evaluation.queries import answers_by_field
from lti_tool.extensions import db
from lti_tool.mentoring import agreements, mentorships
from lti_tool.mentoring.models import (
    Agreement,
    ContactLog,
    ContactRequest,
    MenteePreparation,
    MentorPreparation,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from lti_tool.notifications.models import Notification, OutboxEmail
from tests.conftest import count_rows
from tests.support.factories import make_course, make_member, make_mentor

from .factories import AGREEMENT, REQUEST, log, send, start
from .web import join

TABLES = (
    ContactRequest,
    Mentorship,
    Agreement,
    ContactLog,
    MentorPreparation,
    MenteePreparation,
    Evaluation,
    Concern,
    MentoringEvent,
    Notification,
    OutboxEmail,
)


@pytest.fixture
def scene(app, launch, snapshots):
    """A waiting request, a mentorship in progress, an ended one, and another course's rows."""
    return snapshots.once((__name__, "scene"), lambda: _scene(app, launch))


def _scene(app, launch):
    mentee = join(app, launch, "mentee", name="Luca Learner")
    mentor = join(app, launch, "mentor", role="Community TA", name="Marta Mentore")
    other = join(app, launch, "other", name="Olga Other")
    course = mentee.membership.course
    profile = make_mentor(course, membership=mentor.membership)
    request = send(make_member(course, name="Anna Asker"), profile)
    mentorship = start(mentee.membership, profile)
    agreement = agreements.propose_agreement(mentee.membership, mentorship, **AGREEMENT)
    log(mentee.membership, mentorship)
    ended = start(other.membership, profile)
    mentorships.end_mentorship_early(other.membership, ended, reason="x", talked_it_over=True)
    elsewhere = make_course("Elsewhere")
    foreign_profile = make_mentor(elsewhere)
    foreign_mentee = make_member(elsewhere)
    foreign_request = send(foreign_mentee, foreign_profile)
    foreign_mentorship = start(make_member(elsewhere), foreign_profile)
    foreign_agreement = agreements.propose_agreement(
        foreign_mentorship.mentee, foreign_mentorship, **AGREEMENT
    )
    db.session.commit()
    return types.SimpleNamespace(
        mentee=mentee,
        mentor=mentor,
        other=other,
        profile=profile,
        request=request,
        mentorship=mentorship,
        agreement=agreement,
        ended=ended,
        foreign_profile=foreign_profile,
        foreign_request=foreign_request,
        foreign_mentorship=foreign_mentorship,
        foreign_agreement=foreign_agreement,
        foreign_mentee=foreign_mentee,
    )


def _forms(s):
    """Each form: who sends it, where, and valid data."""
    m = f"/mentorships/{s.mentorship.id}"
    return {
        "request": (s.mentee, f"/requests/new/{s.other_mentor_profile.id}", {**_REQUEST}),
        "accept": (s.mentor, f"/requests/{s.request.id}/accept", {"proposal": "A call?"}),
        "decline": (s.mentor, f"/requests/{s.request.id}/decline", {"reason": "Not my field"}),
        "agreement": (s.mentee, f"{m}/agreement", {**_AGREEMENT}),
        "contact": (
            s.mentee,
            f"{m}/contacts",
            # Yesterday: the scene's contact 1 was logged today by the same person.
            {"held_on": YESTERDAY.isoformat(), "mode": "phone", "duration_minutes": "45"},
        ),
        "mentor_form": (
            s.mentor,
            f"{m}/contacts/2",
            {"offered_last": ["knowledge"], "offer_next": "Stories", "next_goals": "Draft"},
        ),
        "mentee_form": (s.mentee, f"{m}/contacts/2", {"question_next": "Where to start?"}),
        "end": (s.mentee, f"{m}/end", {"reason": "Moving", "talked_it_over": "y"}),
        "evaluation": (
            s.other,
            f"/mentorships/{s.ended.id}/evaluation",
            {
                "process_rating": "4",
                "goal_attainment": "3",
                "usefulness": "5",
                "what_helped": "",
                "what_to_change": "",
                "would_recommend": "yes",
            },
        ),
        "concern": (s.mentee, "/concerns/new", {"text": "Uneasy", "mentorship": "0", "about": "0"}),
    }


_REQUEST = {
    "question": REQUEST["question"],
    "ideas": REQUEST["ideas"],
    "expectations": REQUEST["expectations"],
    "mode": "video",
}
_AGREEMENT = {
    "goals": AGREEMENT["goals"],
    "contact_modes": ["video"],
    "frequency": AGREEMENT["frequency"],
    "other_commitments": "",
}
FORMS = [
    "request",
    "accept",
    "decline",
    "agreement",
    "contact",
    "mentor_form",
    "mentee_form",
    "end",
    "evaluation",
    "concern",
]
REQUIRED = "This field is required."
TOO_LONG = "Write at most 4000 characters."
NOT_A_CHOICE = "Choose among the options shown."
LONG = "x" * 4001
YESTERDAY = date.today() - timedelta(days=1)
TOMORROW_AND_MORE = (date.today() + timedelta(days=2)).isoformat()

BAD_INPUT = [
    # form, changes, field, message
    ("request", {"question": ""}, "question", REQUIRED),
    ("request", {"ideas": "  "}, "ideas", REQUIRED),
    ("request", {"expectations": LONG}, "expectations", TOO_LONG),
    ("request", {"mode": "carrier_pigeon"}, "mode", NOT_A_CHOICE),
    ("request", {"mode": "in_person"}, "mode", NOT_A_CHOICE),  # not offered by this mentor
    ("request", {"mode": None}, "mode", "Choose a form of contact."),
    ("accept", {"proposal": ""}, "proposal", REQUIRED),
    ("accept", {"proposal": LONG}, "proposal", TOO_LONG),
    ("decline", {"reason": ""}, "reason", REQUIRED),
    ("decline", {"reason": LONG}, "reason", TOO_LONG),
    ("agreement", {"goals": ""}, "goals", REQUIRED),
    ("agreement", {"contact_modes": None}, "contact_modes", "Choose at least one form of contact."),
    ("agreement", {"contact_modes": ["video", "smoke_signals"]}, "contact_modes", "valid choice"),
    ("agreement", {"frequency": "f" * 201}, "frequency", "Write at most 200 characters."),
    ("agreement", {"other_commitments": LONG}, "other_commitments", TOO_LONG),
    ("contact", {"held_on": ""}, "held_on", "Give the date of the contact."),
    ("contact", {"held_on": "last tuesday"}, "held_on", "Not a valid date value."),
    ("contact", {"held_on": TOMORROW_AND_MORE}, "held_on", "before it took place"),
    ("contact", {"mode": "fax"}, "mode", NOT_A_CHOICE),
    ("contact", {"duration_minutes": "an hour"}, "duration_minutes", "Not a valid integer value"),
    ("contact", {"duration_minutes": "0"}, "duration_minutes", "between 1 and 600 minutes"),
    ("contact", {"duration_minutes": "601"}, "duration_minutes", "between 1 and 600 minutes"),
    ("contact", {"duration_minutes": ""}, "duration_minutes", "Give the duration in minutes."),
    ("mentor_form", {"offered_last": ["bribes"]}, "offered_last", "valid choice"),
    ("mentor_form", {"techniques_used": ["hypnosis"]}, "techniques_used", "valid choice"),
    ("mentor_form", {"mentee_needs": LONG}, "mentee_needs", TOO_LONG),
    ("mentee_form", {"tried_since": LONG}, "tried_since", TOO_LONG),
    ("end", {"reason": ""}, "reason", REQUIRED),
    ("end", {"talked_it_over": None}, "talked_it_over", "only after talking it over"),
    ("evaluation", {"process_rating": "great"}, "process_rating", "Choose a rating from 1 to 5."),
    ("evaluation", {"goal_attainment": "9"}, "goal_attainment", "Choose a rating from 1 to 5."),
    ("evaluation", {"usefulness": None}, "usefulness", "Choose a rating from 1 to 5."),
    ("evaluation", {"would_recommend": "maybe"}, "would_recommend", "Answer yes or no."),
    ("evaluation", {"would_recommend": None}, "would_recommend", "Answer yes or no."),
    ("evaluation", {"what_helped": LONG}, "what_helped", TOO_LONG),
    ("concern", {"text": ""}, "text", REQUIRED),
    ("concern", {"text": LONG}, "text", TOO_LONG),
    ("concern", {"mentorship": "foreign"}, "mentorship", NOT_A_CHOICE),
    ("concern", {"mentorship": "{foreign_mentorship.id}"}, "mentorship", NOT_A_CHOICE),
    ("concern", {"mentorship": "{ended.id}"}, "mentorship", NOT_A_CHOICE),  # not the mentee's
    ("concern", {"about": "{foreign_mentee.id}"}, "about", NOT_A_CHOICE),
    ("concern", {"about": "12abc"}, "about", NOT_A_CHOICE),
]


def _send(scene, form, changes=None, *, token=True):
    person, path, data = _forms(scene)[form]
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        elif isinstance(value, str) and value.startswith("{"):
            data[name] = value.format(**vars(scene))  # an id of the scene
        else:
            data[name] = value
    if token:
        return person.post(path, data)
    return person.client.post(person.url(path), data=data)


@pytest.fixture
def ready(scene, app, launch, snapshots):
    """The scene plus a second mentor the mentee may still write to."""

    def build():
        second = join(app, launch, "mentor-2", role="Community TA", name="Oscar Other")
        scene.other_mentor_profile = make_mentor(
            second.membership.course, membership=second.membership, contact_modes=["video", "phone"]
        )
        return scene

    return snapshots.once((__name__, "ready"), build)


@pytest.mark.parametrize("form", FORMS)
def test_bad_input_is_shown_beside_its_field_and_nothing_changes(ready, form):
    """Each bad input of the form's table, sent in turn (none of them changes anything)."""
    before = count_rows(*TABLES)

    for changes, field, message in [row[1:] for row in BAD_INPUT if row[0] == form]:
        response = _send(ready, form, changes)

        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 200, (changes, page)
        start = page.index(f'id="{field}-error" class="field-error">')
        assert message in page[start : start + 300], (changes, page[start : start + 300])
        assert f'aria-describedby="{field}-' in page, changes
        assert count_rows(*TABLES) == before, changes


def test_every_form_has_bad_input_in_the_table():
    assert {row[0] for row in BAD_INPUT} == set(FORMS)


def _latest(model, **criteria):
    return db.session.scalars(
        select(model).filter_by(**criteria).order_by(model.id.desc()).limit(1)
    ).first()


def _saved_request(s):
    row = _latest(ContactRequest, mentee_id=s.mentee.membership_id)
    assert row.mentor_id == s.other_mentor_profile.id
    assert (row.question, row.ideas, row.expectations, row.preferred_mode) == (
        REQUEST["question"], REQUEST["ideas"], REQUEST["expectations"], "video",
    )  # fmt: skip
    assert row.status == RequestStatus.PENDING


def _saved_answer(status, field, text):
    def check(s):
        row = db.session.get(ContactRequest, s.request.id)
        assert (row.status, getattr(row, field)) == (status, text)
        made = _latest(Mentorship, request_id=row.id)
        assert (made is not None) == (status == RequestStatus.ACCEPTED)

    return check


def _saved_agreement(s):
    row = _latest(Agreement, mentorship_id=s.mentorship.id)
    assert row.version == 2 and row.proposed_by_id == s.mentee.membership_id
    assert (row.goals, row.contact_modes, row.frequency) == (
        AGREEMENT["goals"], ["video"], AGREEMENT["frequency"],
    )  # fmt: skip


def _saved_contact(s):
    row = _latest(ContactLog, mentorship_id=s.mentorship.id)
    assert (row.number, row.held_on, row.mode, row.duration_minutes) == (2, YESTERDAY, "phone", 45)


def _saved_mentor_form(s):
    row = _latest(MentorPreparation, mentorship_id=s.mentorship.id, contact_number=2)
    assert (row.offered_last, row.offer_next, row.next_goals) == (["knowledge"], "Stories", "Draft")


def _saved_mentee_form(s):
    row = _latest(MenteePreparation, mentorship_id=s.mentorship.id, contact_number=2)
    assert row.question_next == "Where to start?"


def _saved_end(s):
    row = db.session.get(Mentorship, s.mentorship.id)
    assert (row.status, row.end_reason) == (MentorshipStatus.ENDED_EARLY, "Moving")
    assert row.ended_by_id == s.mentee.membership_id


def _saved_evaluation(s):
    row = _latest(Evaluation, mentorship_id=s.ended.id)
    assert row.author_id == s.other.membership_id
    assert answers_by_field(row.id) == {
        "process_rating": 4, "goal_attainment": 3, "usefulness": 5, "what_helped": "",
        "what_to_change": "", "would_recommend": True,
    }  # fmt: skip


def _saved_concern(s):
    row = _latest(Concern, reporter_id=s.mentee.membership_id)
    assert (row.text, row.mentorship_id, row.about_id) == ("Uneasy", None, None)


#: What each valid form must have saved, read back from the database.
SAVED = {
    "request": _saved_request,
    "accept": _saved_answer(RequestStatus.ACCEPTED, "proposal", "A call?"),
    "decline": _saved_answer(RequestStatus.DECLINED, "decline_reason", "Not my field"),
    "agreement": _saved_agreement,
    "contact": _saved_contact,
    "mentor_form": _saved_mentor_form,
    "mentee_form": _saved_mentee_form,
    "end": _saved_end,
    "evaluation": _saved_evaluation,
    "concern": _saved_concern,
}


def test_every_form_has_its_saved_check():
    assert set(SAVED) == set(FORMS)


@pytest.mark.parametrize("form", FORMS)
def test_valid_input_goes_through_and_is_saved(ready, form):
    response = _send(ready, form)

    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    SAVED[form](ready)


def test_a_form_without_its_csrf_token_changes_nothing(ready):
    before = count_rows(*TABLES)

    for form in FORMS:
        response = _send(ready, form, token=False)

        assert response.status_code == 400, form
        assert "Nothing was saved" in response.get_data(as_text=True), form
        assert count_rows(*TABLES) == before, form


FOREIGN = [
    ("mentee", "/requests/new/{foreign_profile.id}"),
    ("mentor", "/requests/{foreign_request.id}/accept"),
    ("mentor", "/requests/{foreign_request.id}/decline"),
    ("mentee", "/requests/{foreign_request.id}/withdraw"),
    ("mentee", "/mentorships/{foreign_mentorship.id}/agreement"),
    ("mentee", "/mentorships/{mentorship.id}/agreement/{foreign_agreement.id}/confirm"),
    ("mentee", "/mentorships/{foreign_mentorship.id}/contacts"),
    ("mentee", "/mentorships/{foreign_mentorship.id}/contacts/1"),
    ("mentee", "/mentorships/{foreign_mentorship.id}/end"),
    ("mentee", "/mentorships/{foreign_mentorship.id}/evaluation"),
]


def test_foreign_ids_are_not_found_and_change_nothing(ready):
    before = count_rows(*TABLES)

    for who, path in FOREIGN:
        response = getattr(ready, who).post(path.format(**vars(ready)), {"proposal": "x"})

        assert response.status_code == 404, path
        assert count_rows(*TABLES) == before, path
