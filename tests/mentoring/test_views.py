"""The journey's pages through the HTTP client, with people launched from Open edX."""

from __future__ import annotations

import re
import types
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from lti_tool.concerns.models import Concern
from lti_tool.evaluation.models import Evaluation
from lti_tool.evaluation.queries import answers_by_field
from lti_tool.extensions import db
from lti_tool.mentoring import agreements
from lti_tool.mentoring import requests as request_ops
from lti_tool.mentoring.mentorships import log_contact
from lti_tool.mentoring.models import (
    Agreement,
    ContactLog,
    ContactRequest,
    MentorPreparation,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from lti_tool.mentoring.rules import contact_dates
from lti_tool.notifications.models import Notification
from lti_tool.refusals import Refusal
from tests.conftest import count_rows
from tests.support.factories import make_mentor

from .factories import AGREEMENT, MENTEE_FORM, MENTOR_FORM, REQUEST, conclude, start
from .web import join

FORM_OF_REQUEST = {
    "question": REQUEST["question"],
    "ideas": REQUEST["ideas"],
    "expectations": REQUEST["expectations"],
    "mode": "video",
}


@pytest.fixture
def people(app, launch, snapshots):
    """A mentee, a mentor with a profile, another learner and staff, launched in one course."""
    return snapshots.once((__name__, "people"), lambda: _people(app, launch))


def _people(app, launch):
    mentee = join(app, launch, "mentee", name="Luca Learner")
    mentor = join(app, launch, "mentor", role="Community TA", name="Marta Mentore")
    world = types.SimpleNamespace(
        mentee=mentee,
        mentor=mentor,
        other=join(app, launch, "other", name="Olga Other"),
        staff=join(app, launch, "teacher", role="staff", name="Stella Staff"),
        profile=make_mentor(mentor.membership.course, membership=mentor.membership),
    )
    db.session.commit()
    return world


def _text(response):
    return response.get_data(as_text=True)


def test_the_request_page_shows_the_mentor_and_sends_the_request(people):
    page = people.mentee.get(f"/requests/new/{people.profile.id}")

    assert page.status_code == 200
    assert "Marta Mentore" in _text(page)
    assert 'name="question"' in _text(page)

    sent = people.mentee.post(f"/requests/new/{people.profile.id}", FORM_OF_REQUEST)

    request = db.session.scalar(select(ContactRequest))
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/requests/{request.id}")
    assert request.question == REQUEST["question"]
    detail = people.mentee.get(f"/requests/{request.id}")
    assert "Your request was sent" in _text(detail)
    assert "Withdraw the request" in _text(detail)
    notice = db.session.scalar(select(Notification).filter_by(kind="request_received"))
    assert notice.recipient_id == people.mentor.membership_id


def test_the_request_page_explains_why_one_cannot_ask(people):
    people.profile.is_busy = True
    db.session.commit()

    page = people.mentee.get(f"/requests/new/{people.profile.id}")
    sent = people.mentee.post(f"/requests/new/{people.profile.id}", FORM_OF_REQUEST)

    assert "not taking mentees" in _text(page)
    assert 'name="question"' not in _text(page)
    assert sent.status_code == 200
    assert count_rows(ContactRequest) == {"contact_request": 0}


def test_the_standards_come_first(app, launch, people):
    newcomer = join(app, launch, "newcomer", accept=None)

    page = newcomer.get(f"/requests/new/{people.profile.id}")

    assert page.status_code == 302
    assert "/standards?next=" in page.headers["Location"]


def test_a_profile_of_another_course_or_not_approved_is_not_found(app, launch, people):
    stranger = join(app, launch, "far-mentor", role="Community TA", context_id="other-course")
    foreign = make_mentor(stranger.membership.course, membership=stranger.membership)
    applicant = make_mentor(people.mentee.membership.course, status="applicant")
    db.session.commit()

    assert people.mentee.get(f"/requests/new/{foreign.id}").status_code == 404
    assert people.mentee.get(f"/requests/new/{applicant.id}").status_code == 404
    assert people.mentee.get("/requests/new/99999").status_code == 404


def test_the_inbox_and_the_answers(people):
    request = request_ops.send_request(people.mentee.membership, people.profile, **REQUEST)
    db.session.commit()

    inbox = people.mentor.get("/requests/inbox")
    assert "Luca Learner" in _text(inbox)
    detail = people.mentor.get(f"/requests/{request.id}")
    assert "Accept the request" in _text(detail)
    assert "Decline the request" in _text(detail)
    assert REQUEST["question"] in _text(detail)

    accepted = people.mentor.post(f"/requests/{request.id}/accept", {"proposal": "Call Tuesday?"})

    mentorship = db.session.scalar(select(Mentorship))
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/mentorships/{mentorship.id}")
    assert db.session.get(ContactRequest, request.id).status == RequestStatus.ACCEPTED
    page = people.mentee.get(f"/mentorships/{mentorship.id}")
    assert page.status_code == 200
    assert "The first conversation" in _text(page)
    assert "Call Tuesday?" in _text(page)


def test_declining_and_withdrawing(people, app, launch):
    first = request_ops.send_request(people.mentee.membership, people.profile, **REQUEST)
    second = request_ops.send_request(people.other.membership, people.profile, **REQUEST)
    db.session.commit()

    declined = people.mentor.post(f"/requests/{first.id}/decline", {"reason": "Not my field"})
    withdrawn = people.other.post(f"/requests/{second.id}/withdraw")

    assert declined.status_code == 302 and withdrawn.status_code == 302, _text(withdrawn)
    assert db.session.get(ContactRequest, first.id).status == RequestStatus.DECLINED
    assert db.session.get(ContactRequest, second.id).status == RequestStatus.WITHDRAWN
    mine = people.mentee.get("/requests")
    assert "Declined" in _text(mine)
    assert "Not my field" in _text(people.mentee.get(f"/requests/{first.id}"))
    # the answered request offers no answer and no withdrawal any more
    again = people.mentor.get(f"/requests/{first.id}")
    assert "Accept the request" not in _text(again)


def test_the_mentee_cannot_answer_and_the_mentor_cannot_withdraw(people):
    request = request_ops.send_request(people.mentee.membership, people.profile, **REQUEST)
    db.session.commit()

    assert (
        people.mentee.post(f"/requests/{request.id}/accept", {"proposal": "x"}).status_code == 403
    )
    assert people.mentor.post(f"/requests/{request.id}/withdraw").status_code == 403
    assert db.session.get(ContactRequest, request.id).status == RequestStatus.PENDING


def test_accepting_an_expired_request_shows_why(people):
    request = request_ops.send_request(people.mentee.membership, people.profile, **REQUEST)
    request.status = RequestStatus.EXPIRED
    db.session.commit()

    page = people.mentor.post(f"/requests/{request.id}/accept", {"proposal": "Sorry"})

    assert page.status_code == 200
    assert "Accept the request" not in _text(page)
    assert count_rows(Mentorship) == {"mentorship": 0}


def test_my_mentorships_lists_both_roles(people, app, launch):
    as_mentor = start(people.mentee.membership, people.profile)
    other_mentor = join(app, launch, "mentor-2", role="Community TA", name="Oscar Other")
    other_profile = make_mentor(people.mentee.membership.course, membership=other_mentor.membership)
    as_mentee = start(people.mentor.membership, other_profile)
    db.session.commit()

    page = _text(people.mentor.get("/mentorships"))

    assert f"/mentorships/{as_mentor.id}" in page and f"/mentorships/{as_mentee.id}" in page
    assert "Luca Learner" in page and "Oscar Other" in page


def test_the_mentorship_page_agreement_contacts_and_progress(people):
    mentorship = start(people.mentee.membership, people.profile)
    db.session.commit()
    url = f"/mentorships/{mentorship.id}"

    proposed = people.mentee.post(
        f"{url}/agreement",
        {
            "goals": AGREEMENT["goals"],
            "contact_modes": ["video", "phone"],
            "frequency": AGREEMENT["frequency"],
            "other_commitments": "",
        },
    )
    agreement_id = db.session.scalar(select(Agreement.id).filter_by(mentorship_id=mentorship.id))
    page = _text(people.mentor.get(url))
    confirmed = people.mentor.post(f"{url}/agreement/{agreement_id}/confirm")
    logged = people.mentor.post(
        f"{url}/contacts",
        {
            "held_on": (date.today() - timedelta(days=30)).isoformat(),
            "mode": "phone",
            "duration_minutes": "50",
        },
    )

    assert proposed.status_code == confirmed.status_code == logged.status_code == 302
    assert "Confirm version 1" in page
    after = _text(people.mentee.get(url))
    assert "confirmed by both" in after
    assert '<progress id="contacts-progress" max="4" value="1">' in after
    assert '<label for="contacts-progress">' in after
    assert "1 of 4 contacts" in after
    assert "The first conversation" not in after  # the agreement is in place


def test_preparation_each_side_edits_its_own_form_and_reads_the_others(people):
    mentorship = start(people.mentee.membership, people.profile)
    agreements.save_mentee_preparation(people.mentee.membership, mentorship, 1, **MENTEE_FORM)
    db.session.commit()
    url = f"/mentorships/{mentorship.id}/contacts/1"

    mentor_page = _text(people.mentor.get(url))
    saved = people.mentor.post(
        url,
        {
            "offered_last": ["knowledge", "stories"],
            "offered_notes": MENTOR_FORM["offered_notes"],
            "techniques_used": ["feedback"],
            "next_goals": MENTOR_FORM["next_goals"],
        },
    )
    mentee_page = _text(people.mentee.get(url))

    assert MENTEE_FORM["question_next"] in mentor_page  # the mentee's form, to read
    assert 'name="offered_last"' in mentor_page and 'name="question_next"' not in mentor_page
    assert saved.status_code == 302
    form = db.session.scalar(select(MentorPreparation))
    assert form.offered_last == ["knowledge", "stories"]
    assert form.techniques_used == ["feedback"]
    assert MENTOR_FORM["offered_notes"] in mentee_page  # the mentor's form, to read
    assert 'name="question_next"' in mentee_page and 'name="offered_last"' not in mentee_page
    assert people.mentee.get(f"/mentorships/{mentorship.id}/contacts/2").status_code == 404


def test_ending_early_then_evaluating(people):
    mentorship = start(people.mentee.membership, people.profile)
    db.session.commit()
    url = f"/mentorships/{mentorship.id}"

    too_soon = people.mentee.post(
        f"{url}/evaluation",
        {
            "process_rating": "4",
            "goal_attainment": "3",
            "usefulness": "4",
            "would_recommend": "yes",
        },
    )
    ended = people.mentee.post(f"{url}/end", {"reason": "Moving abroad", "talked_it_over": "y"})
    evaluated = people.mentor.post(
        f"{url}/evaluation",
        {"process_rating": "4", "goal_attainment": "3", "usefulness": "4", "would_recommend": "no"},
    )

    assert too_soon.status_code == 200
    assert "once it has ended" in _text(too_soon)
    assert ended.status_code == 302 and ended.headers["Location"].endswith(f"{url}/evaluation")
    assert db.session.get(Mentorship, mentorship.id).status == MentorshipStatus.ENDED_EARLY
    assert evaluated.status_code == 302
    [evaluation] = db.session.scalars(select(Evaluation)).all()
    saved = answers_by_field(evaluation.id)
    assert (saved["process_rating"], saved["would_recommend"]) == (4, False)
    page = _text(people.mentor.get(url))
    assert "You submitted your evaluation." in page
    assert "Luca Learner has not evaluated yet." in page
    # the mentor's evaluation texts stay the mentor's
    assert "Your evaluation" in _text(people.mentor.get(f"{url}/evaluation"))


def test_staff_see_progress_only(people):
    mentorship = start(people.mentee.membership, people.profile)
    agreements.propose_agreement(people.mentee.membership, mentorship, **AGREEMENT)
    agreements.save_mentor_preparation(people.mentor.membership, mentorship, 1, **MENTOR_FORM)
    conclude(mentorship)
    db.session.commit()

    page = _text(people.staff.get(f"/mentorships/{mentorship.id}"))

    assert "Concluded" in page and "4 of 4 contacts" in page
    for private in (AGREEMENT["goals"], MENTOR_FORM["offered_notes"], REQUEST["question"]):
        assert private not in page
    assert people.staff.get(f"/mentorships/{mentorship.id}/contacts/1").status_code == 403
    assert people.staff.get("/requests/inbox").status_code == 403


def test_reporting_a_concern(people):
    mentorship = start(people.mentee.membership, people.profile)
    db.session.commit()

    page = _text(people.mentee.get(f"/concerns/new?mentorship={mentorship.id}"))
    sent = people.mentee.post(
        "/concerns/new",
        {"text": "I felt pressured.", "mentorship": str(mentorship.id), "about": "0"},
    )

    assert f'<option selected value="{mentorship.id}">' in page
    assert "Marta Mentore" in page
    assert sent.status_code == 302
    concern = db.session.scalar(select(Concern))
    assert concern.mentorship_id == mentorship.id and concern.about_id is None
    assert people.staff.get("/concerns/new").status_code == 403


def test_a_double_click_is_answered_with_the_first_result_never_an_error(people):
    """Each form sent twice: the second answer is the first one's page with a neutral note."""
    mentee, mentor = people.mentee, people.mentor
    sent = [mentee.post(f"/requests/new/{people.profile.id}", FORM_OF_REQUEST) for _ in "12"]
    request_url = sent[0].headers["Location"]
    assert [response.status_code for response in sent] == [302, 302]
    assert sent[1].headers["Location"] == request_url
    assert "already waiting" in _text(mentee.client.get(request_url))
    request_id = int(request_url.rsplit("/", 1)[1])

    accepted = [
        mentor.post(f"/requests/{request_id}/accept", {"proposal": "Monday?"}) for _ in "12"
    ]
    assert [response.status_code for response in accepted] == [302, 302]
    assert accepted[1].headers["Location"] == accepted[0].headers["Location"]
    assert "already accepted" in _text(mentor.client.get(accepted[1].headers["Location"]))
    mentorship = db.session.scalar(select(Mentorship).filter_by(request_id=request_id))
    assert mentorship is not None

    ended = [
        side.post(f"/mentorships/{mentorship.id}/end", {"reason": "Moving", "talked_it_over": "y"})
        for side in (mentee, mentor)
    ]
    assert [response.status_code for response in ended] == [302, 302]
    assert ended[1].headers["Location"] == ended[0].headers["Location"]
    assert "already ended" in _text(mentor.client.get(ended[1].headers["Location"]))
    assert count_rows(Mentorship, ContactRequest) == {"mentorship": 1, "contact_request": 1}


def test_both_sides_log_the_same_meeting_one_contact_then_they_close_the_continuation(people):
    mentorship = start(people.mentee.membership, people.profile)
    db.session.commit()
    path = f"/mentorships/{mentorship.id}"
    meeting = {"held_on": date.today().isoformat(), "mode": "video", "duration_minutes": "60"}

    for side in (people.mentee, people.mentor):
        assert side.post(f"{path}/contacts", meeting).status_code == 302

    page = _text(people.mentee.get(path))
    assert re.search(r'data-testid="contacts-progress">\s*1 of 4 contacts', page)
    assert "by both" in page
    conclude(db.session.get(Mentorship, mentorship.id))
    db.session.commit()
    closed = people.mentor.post(f"{path}/close", {"note": "Goals reached."})
    assert closed.status_code == 302
    page = _text(people.mentee.get(path))
    assert 'data-testid="continuation-closed"' in page and "Goals reached." in page
    assert people.mentee.post(f"{path}/close", {"note": ""}).status_code == 302  # already


def test_a_contact_before_the_mentorship_started_is_refused_with_the_other_errors_at_once(people):
    mentorship = start(people.mentee.membership, people.profile, days_ago=10)
    db.session.commit()
    url = f"/mentorships/{mentorship.id}"
    page = people.mentee.get(url).get_data(as_text=True)
    first_day, last_day = contact_dates(mentorship)
    assert first_day <= mentorship.started_at.date() and last_day >= date.today()
    # The date input offers only the days a contact can carry.
    date_input = re.search(r'<input id="held_on"[^>]*>', page).group(0)
    assert f'min="{first_day.isoformat()}"' in date_input
    assert f'max="{last_day.isoformat()}"' in date_input

    refused = people.mentee.post(
        f"{url}/contacts",
        {
            "held_on": (first_day - timedelta(days=1)).isoformat(),
            "mode": "carrier_pigeon",
            "duration_minutes": "0",
        },
    )

    text = _text(refused)
    assert refused.status_code != 302
    assert "A contact cannot be dated before the mentorship started" in text
    assert "Choose among the options shown." in text
    assert "Give a duration between 1 and 600 minutes." in text
    assert text.count('aria-invalid="true"') == 3  # every field's error in one round
    assert count_rows(ContactLog) == {"contact_log": 0}


def test_the_date_rule_is_the_operations_too_and_speaks_the_readers_language(people, app):
    mentorship = start(people.mentee.membership, people.profile, days_ago=3)
    too_early = mentorship.started_at.date() - timedelta(days=5)

    with force_locale("fr"), pytest.raises(Refusal) as refused:
        log_contact(
            people.mentee.membership, mentorship, held_on=too_early, mode="video",
            duration_minutes=600_000,
        )  # fmt: skip

    assert refused.value.errors["held_on"].startswith(
        "Un contact ne peut pas être daté d'avant le début de la relation de mentorat"
    )
    assert "duration_minutes" in refused.value.errors
    assert count_rows(ContactLog) == {"contact_log": 0}
