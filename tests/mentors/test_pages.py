"""The mentor pages through the browser: profile, volunteering, pool, search and who sees what."""

from __future__ import annotations

import pytest

from lti_tool.audit import MentoringEvent
from lti_tool.extensions import db
from lti_tool.mentoring.models import ContactRequest
from lti_tool.mentors import access
from lti_tool.mentors.models import MentorProfile, MentorStatus
from lti_tool.notifications.models import Notification
from lti_tool.people.models import Course, Membership, User
from lti_tool.programme.models import MatchingMode
from tests.conftest import count_rows
from tests.mentors.factories import MentorSpec, csrf_of, enter, seed_mentors
from tests.support.html import input_values

OTHER_COURSE = "course-v1:Org+Other+2026"

PROFILE_FORM = {
    "headline": "Leading teams through change",
    "bio": "Twenty years of project leadership.",
    "topics": "Leadership, Project management",
    "languages": ["it", "en"],
    "contact_modes": ["video"],
    "roles_offered": ["advisor", "broker"],
    "capacity": "2",
    "link_url": "https://example.org/maria",
}


def _profile_of(user_subject: str) -> MentorProfile | None:
    return db.session.scalar(
        db.select(MentorProfile)
        .join(MentorProfile.membership)
        .join(Membership.user)
        .where(User.subject == user_subject)
    )


def _save_profile(browser, course_id, **changes):
    url = f"/course/{course_id}/mentors/me"
    return browser.post(url, data={**PROFILE_FORM, **changes, "csrf_token": csrf_of(browser, url)})


def test_a_mentors_first_visit_opens_the_profile_with_guidance(app, launch):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria")

    page = mentor.get(f"/course/{course_id}/mentors/me").get_data(as_text=True)

    profile = _profile_of("maria")
    assert profile.status == MentorStatus.APPROVED and profile.capacity == 3
    assert "Your mentor profile" in page
    assert "What mentoring gives you" in page and "New contacts." in page
    assert "Brokers social, professional and specialist contacts" in page  # the role explained
    assert "You love passing on your knowledge." in page  # what a mentor brings, for every mentor
    assert 'name="busy" value="1"' in page

    response = _save_profile(mentor, course_id)

    assert response.status_code == 302
    db.session.refresh(profile)
    assert profile.topics == ["Leadership", "Project management"]
    assert profile.roles_offered == ["advisor", "broker"]
    assert profile.capacity == 2
    assert "Your profile was saved." in mentor.get(response.headers["Location"]).get_data(
        as_text=True
    )


BAD_FORM = [
    ("headline", "x" * 201, "at most 200 characters"),
    ("bio", "x" * 4001, "at most 4000 characters"),
    ("topics", ", ".join(f"t{i}" for i in range(11)), "at most 10 topics"),
    ("topics", "z" * 61, "at most 60 characters"),
    ("languages", "klingon", "Choose only from the options shown."),
    ("contact_modes", "telepathy", "Choose only from the options shown."),
    ("roles_offered", "guru", "Choose only from the options shown."),
    ("capacity", "", "Give a number of mentees."),
    ("capacity", "4", "from 1 to 3"),
    ("capacity", "two", "Enter a whole number."),
    ("link_url", "ftp://example.org", "http:// or https://"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_FORM)
def test_bad_profile_input_shows_beside_the_field_and_saves_nothing(
    app, launch, name, value, message
):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA")
    _save_profile(mentor, course_id)
    profile = _profile_of("maria")
    before = (profile.headline, profile.search_document, count_rows(MentoringEvent))

    response = _save_profile(mentor, course_id, **{"headline": "Changed", name: value})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page.split(f'id="{name}-error"', 1)[1].split("</", 1)[0]
    assert "Nothing was saved" in page
    db.session.refresh(profile)
    assert (profile.headline, profile.search_document, count_rows(MentoringEvent)) == before


def test_profile_forms_need_their_csrf_token(app, launch):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA")
    mentor.get(f"/course/{course_id}/mentors/me")

    assert mentor.post(f"/course/{course_id}/mentors/me", data=PROFILE_FORM).status_code == 400
    assert (
        mentor.post(f"/course/{course_id}/mentors/me/busy", data={"busy": "1"}).status_code == 400
    )
    assert _profile_of("maria").headline == ""


def test_the_busy_switch_hides_and_shows_the_mentor(app, launch):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria")
    learner, _ = enter(app, launch, user_id="luca")
    _save_profile(mentor, course_id)
    url = f"/course/{course_id}/mentors/me/busy"

    assert "Maria" in learner.get(f"/course/{course_id}/mentors").get_data(as_text=True)
    mentor.post(
        url, data={"busy": "1", "csrf_token": csrf_of(mentor, f"/course/{course_id}/mentors/me")}
    )
    assert _profile_of("maria").is_busy
    assert "Maria" not in learner.get(f"/course/{course_id}/mentors").get_data(as_text=True)
    page = learner.get(f"/course/{course_id}/mentors?all=y").get_data(as_text=True)
    assert "Maria" in page and "Not taking mentees right now" in page

    token = csrf_of(mentor, f"/course/{course_id}/mentors/me")
    assert mentor.post(url, data={"busy": "maybe", "csrf_token": token}).status_code == 400
    mentor.post(url, data={"busy": "0", "csrf_token": token})
    assert not _profile_of("maria").is_busy


def test_a_learner_volunteers_and_staff_approve_from_the_pool(app, launch):
    learner, course_id = enter(app, launch, user_id="luca", name="Luca", email="luca@example.org")
    staff, _ = enter(app, launch, user_id="teacher", role="staff", email="t@example.org")
    seeker, _ = enter(app, launch, user_id="sara")

    page = learner.get(f"/course/{course_id}/mentors/me").get_data(as_text=True)
    assert "Become a mentor" in page and "What a mentor brings" in page
    assert _profile_of("luca") is None  # a learner's visit creates nothing

    response = _save_profile(learner, course_id)

    assert response.status_code == 302
    profile = _profile_of("luca")
    assert profile.status == MentorStatus.APPLICANT
    notice = db.session.scalar(db.select(Notification).filter_by(kind="mentor_application"))
    assert notice.params == {"mentor": "Luca"}
    assert "waiting for the course staff" in learner.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert "Luca" not in seeker.get(f"/course/{course_id}/mentors?all=y").get_data(as_text=True)
    assert seeker.get(f"/course/{course_id}/mentors/{profile.id}").status_code == 404

    pool = staff.get(f"/course/{course_id}/mentors/pool").get_data(as_text=True)
    row = pool.split(f'data-testid="pool-{profile.id}"', 1)[1].split("</tr>", 1)[0]
    assert "Luca" in row and "waiting for approval" in row and "0 / 2" in row
    assert 'value="approve"' in row and 'value="pause"' not in row

    url = f"/course/{course_id}/mentors/{profile.id}/status"
    assert staff.post(url, data={"action": "approve"}).status_code == 400  # no CSRF token
    token = input_values(pool)["csrf_token"]
    assert staff.post(url, data={"action": "promote", "csrf_token": token}).status_code == 400
    assert _profile_of("luca").status == MentorStatus.APPLICANT

    response = staff.post(url, data={"action": "approve", "csrf_token": token})

    assert response.status_code == 302
    db.session.refresh(profile)
    assert profile.status == MentorStatus.APPROVED
    told = db.session.scalar(db.select(Notification).filter_by(kind="mentor_status_changed"))
    assert told.recipient_id == profile.membership_id and told.params == {"status": "approved"}
    assert "Luca" in seeker.get(f"/course/{course_id}/mentors").get_data(as_text=True)

    again = staff.post(url, data={"action": "approve", "csrf_token": token})
    assert again.status_code == 409 and "that change does not apply" in again.get_data(as_text=True)


def test_an_excluded_mentor_disappears_for_learners(app, launch):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria")
    staff, _ = enter(app, launch, user_id="teacher", role="staff")
    learner, _ = enter(app, launch, user_id="luca")
    _save_profile(mentor, course_id)
    profile = _profile_of("maria")
    assert learner.get(f"/course/{course_id}/mentors/{profile.id}").status_code == 200

    token = csrf_of(staff, f"/course/{course_id}/mentors/pool")
    asked = staff.post(
        f"/course/{course_id}/mentors/{profile.id}/status",
        data={"action": "exclude", "csrf_token": token},
    )
    # Exclusion asks for confirmation first (issue 10), then excludes.
    assert asked.headers["Location"].endswith(f"/staff/mentors/{profile.id}/exclude")
    db.session.refresh(profile)
    assert profile.status == MentorStatus.APPROVED
    staff.post(asked.headers["Location"], data={"csrf_token": token})

    db.session.refresh(profile)
    assert profile.status == MentorStatus.EXCLUDED
    assert not access.can_receive_requests(profile)
    assert "Maria" not in learner.get(f"/course/{course_id}/mentors?all=y").get_data(as_text=True)
    assert learner.get(f"/course/{course_id}/mentors/{profile.id}").status_code == 404
    assert staff.get(f"/course/{course_id}/mentors/{profile.id}").status_code == 200
    page = mentor.get(f"/course/{course_id}/mentors/me").get_data(as_text=True)
    assert "removed you from the mentor pool" in page


def test_search_page_shows_reasons_labels_and_the_way_to_ask(app, launch):
    mentors = {}
    for index, (name, topics, languages) in enumerate(
        [("Anna", "Leadership, Coaching", ["it"]), ("Bruno", "Finance", ["de"])]
    ):
        browser, course_id = enter(app, launch, user_id=f"m{index}", role="Community TA", name=name)
        _save_profile(browser, course_id, topics=topics, languages=languages, headline="Mentor")
        mentors[name] = _profile_of(f"m{index}")
    learner, course_id = enter(app, launch, user_id="luca")

    page = learner.get(f"/course/{course_id}/mentors?q=lead&lang=it").get_data(as_text=True)

    assert "1 mentor found." in page
    card = page.split(f'data-testid="mentor-{mentors["Anna"].id}"', 1)[1].split("</li>", 1)[0]
    assert "topic “Leadership”" in card and "speaks Italian" in card
    assert f'href="/course/{course_id}/mentors/{mentors["Anna"].id}"' in card
    assert "Bruno" not in page

    profile_page = learner.get(f"/course/{course_id}/mentors/{mentors['Anna'].id}")
    assert profile_page.status_code == 200
    text = profile_page.get_data(as_text=True)
    assert f"/requests/new/{mentors['Anna'].id}" in text
    assert "Ask this mentor" in text


def test_search_cards_escape_what_mentors_wrote(app, launch):
    """The cards' texts are worked out in Python (mentors/cards.py): values stay escaped."""
    learner, course_id = enter(app, launch, user_id="luca")
    course = db.session.get(Course, course_id)
    seed_mentors(
        course,
        [
            MentorSpec(
                name="<b>Eve</b> & Co",
                topics=["R&D <i>"],
                languages=["it"],
                headline="<script>x</script>",
            )
        ],
    )

    page = learner.get(f"/course/{course_id}/mentors?q=eve&lang=it").get_data(as_text=True)

    card = page.split('data-testid="mentor-', 1)[1].split("</li>", 1)[0]
    assert "<b>" not in card and "<i>" not in card and "<script>" not in card
    assert ">&lt;b&gt;Eve&lt;/b&gt; &amp; Co</a>" in card
    assert "<dd>R&amp;D &lt;i&gt;</dd>" in card and "&lt;script&gt;x&lt;/script&gt;" in card
    assert "speaks Italian; mentions “eve”" in card
    assert "> to &lt;b&gt;Eve&lt;/b&gt; &amp; Co</span>" in card


def test_search_pages_keep_the_query(app, launch):
    learner, course_id = enter(app, launch, user_id="luca")
    course = db.session.get(Course, course_id)
    seed_mentors(
        course,
        [
            MentorSpec(name=f"Mentor {i:02d}", topics=["Finance"], languages=["de"])
            for i in range(45)
        ],
    )

    first = learner.get(f"/course/{course_id}/mentors?topic=Finance&lang=de").get_data(as_text=True)
    assert "45 mentors found." in first and "Page 1 of 3." in first
    assert "Mentor 00" in first and "Mentor 20" not in first
    next_link = first.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert set(next_link.split("?", 1)[1].split("&")) == {"page=2", "topic=Finance", "lang=de"}

    second = learner.get(next_link).get_data(as_text=True)
    assert "Mentor 20" in second and "Mentor 00" not in second
    assert 'rel="prev"' in second and 'rel="next"' in second


def test_an_empty_search_gives_advice(app, launch):
    learner, course_id = enter(app, launch, user_id="luca")

    page = learner.get(f"/course/{course_id}/mentors?q=zebra&lang=fr").get_data(as_text=True)

    empty = page.split('data-testid="empty-state"', 1)[1].split("</div>", 1)[0]
    assert "Remove one of the filters" in empty
    assert "Try other or fewer words" in empty
    assert "Show also mentors who are not taking mentees" in empty
    assert "The course staff can assign you a mentor" in empty


def test_bad_search_input_is_explained(app, launch):
    learner, course_id = enter(app, launch, user_id="luca")

    page = learner.get(f"/course/{course_id}/mentors?lang=xx&page=abc&q=" + "w" * 201)

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Choose only from the options shown." in text
    assert "at most 200 characters" in text
    assert "mentors found" not in text


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        ("student", {"/mentors": 200, "/mentors/me": 200, "/mentors/pool": 403}),
        ("Community TA", {"/mentors": 200, "/mentors/me": 200, "/mentors/pool": 403}),
        ("staff", {"/mentors": 200, "/mentors/me": 403, "/mentors/pool": 200}),
    ],
)
def test_who_opens_which_page(app, launch, role, pages):
    browser, course_id = enter(app, launch, user_id="someone", role=role)
    for path, status in pages.items():
        assert browser.get(f"/course/{course_id}{path}").status_code == status, path


def test_nobody_reaches_another_courses_mentors(app, launch):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA")
    _save_profile(mentor, course_id)
    profile = _profile_of("maria")
    other_mentor, other_course = enter(
        app, launch, user_id="otto", role="Community TA", context_id=OTHER_COURSE
    )
    _save_profile(other_mentor, other_course)
    foreign = _profile_of("otto")
    staff_elsewhere, _ = enter(
        app, launch, user_id="other-teacher", role="staff", context_id=OTHER_COURSE
    )
    learner, _ = enter(app, launch, user_id="luca")

    for path in ("/mentors", f"/mentors/{profile.id}", "/mentors/pool"):
        assert staff_elsewhere.get(f"/course/{course_id}{path}").status_code == 401, path
    token = csrf_of(staff_elsewhere, f"/course/{other_course}/mentors/pool")
    response = staff_elsewhere.post(
        f"/course/{other_course}/mentors/{profile.id}/status",
        data={"action": "exclude", "csrf_token": token},
    )
    assert response.status_code == 404
    db.session.refresh(profile)
    assert profile.status == MentorStatus.APPROVED
    assert learner.get(f"/course/{course_id}/mentors/{foreign.id}").status_code == 404
    assert learner.get(f"/course/{course_id}/mentors/999999").status_code == 404
    page = learner.get(f"/course/{course_id}/mentors?all=y").get_data(as_text=True)
    assert f'href="/course/{course_id}/mentors/{profile.id}"' in page
    assert f'/mentors/{foreign.id}"' not in page


@pytest.mark.parametrize("locale", ["en", "it"])
def test_every_page_renders_in_both_languages(app, launch, locale):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", locale=locale)
    _save_profile(mentor, course_id)
    profile = _profile_of("maria")
    learner, _ = enter(app, launch, user_id="luca", locale=locale)
    staff, _ = enter(app, launch, user_id="teacher", role="staff", locale=locale)

    pages = [
        (mentor, "/mentors/me"),
        (learner, "/mentors/me"),
        (learner, "/mentors?q=lead&lang=it&all=y"),
        (learner, "/mentors?q=nothing-like-this"),
        (learner, f"/mentors/{profile.id}"),
        (staff, "/mentors/pool"),
        (staff, "/programme/settings"),
    ]
    for browser, path in pages:
        response = browser.get(f"/course/{course_id}{path}")
        assert response.status_code == 200, path
        assert f'<html lang="{locale}">' in response.get_data(as_text=True), path


def test_every_problem_of_the_profile_shows_at_once(app, launch):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria")
    mentor.get(f"/course/{course_id}/mentors/me")
    before = _profile_of("maria").topics

    response = _save_profile(
        mentor,
        course_id,
        capacity="99",
        topics=", ".join(f"topic {number}" for number in range(15)),
        link_url="javascript:alert(1)",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('class="field-error"') == 3, page
    assert page.count('aria-invalid="true"') == 3
    assert "Nothing was saved" in page
    db.session.expire_all()
    assert _profile_of("maria").topics == before


def test_the_search_page_runs_as_many_statements_for_20_results_as_for_2(app, launch):
    """Loaded results are rendered as loaded: no commit expires them, nothing reloads per hit."""
    from sqlalchemy import event

    learner, course_id = enter(app, launch, user_id="luca")
    course = db.session.get(Course, course_id)
    seed_mentors(course, [MentorSpec(name=f"Few {i}", languages=["de"]) for i in range(2)])
    url = f"/course/{course_id}/mentors?lang=de&q=few"
    statements: list[str] = []
    commits: list[object] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def commit(conn):
        commits.append(conn)

    def measure() -> tuple[int, int, str]:
        statements.clear()
        commits.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        event.listen(db.engine, "commit", commit)
        try:
            page = learner.get(url).get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            event.remove(db.engine, "commit", commit)
        return len(statements), len(commits), page

    learner.get(url)  # the first visit fills the topic cache
    few, few_commits, page = measure()
    few_statements = list(statements)
    assert "2 mentors found." in page
    seed_mentors(course, [MentorSpec(name=f"Few {i}", languages=["de"]) for i in range(2, 60)])

    many, many_commits, page = measure()

    assert "60 mentors found." in page and page.count('data-testid="mentor-') == 20
    assert many == few <= 8, (few_statements, statements)
    assert many_commits == few_commits == 0


def test_result_cards_show_availability_reasons_and_a_request_action(app, launch):
    names = {"Anna Bianchi": ["it", "en"], "Bruno Keller": ["de"], "Carla Neri": ["en"]}
    mentors = {}
    for index, (name, languages) in enumerate(names.items()):
        browser, course_id = enter(app, launch, user_id=f"m{index}", role="Community TA", name=name)
        _save_profile(browser, course_id, languages=languages, capacity="3")
        mentors[name] = _profile_of(f"m{index}")
    mentors["Carla Neri"].is_busy = True
    mentors["Anna Bianchi"].active_mentorships = 1
    db.session.commit()
    learner, course_id = enter(app, launch, user_id="luca")

    page = learner.get(f"/course/{course_id}/mentors?all=y").get_data(as_text=True)

    def card(name):
        marker = f'data-testid="mentor-{mentors[name].id}"'
        return page.split(marker, 1)[1].split("</li>", 1)[0]

    anna, bruno, carla = card("Anna Bianchi"), card("Bruno Keller"), card("Carla Neri")
    assert ">AB<" in anna and ">BK<" in bruno  # initials avatar
    assert "2 places free" in anna and "3 places free" in bruno
    assert "Busy at the moment" in carla
    # No criteria: the reasons still say why (an English-speaking learner)
    assert "takes mentees; speaks your language" in anna
    assert "takes mentees" in bruno and "speaks your language" not in bruno
    request_link = f'href="/course/{course_id}/requests/new/{mentors["Anna Bianchi"].id}"'
    assert request_link in anna and "Send a request" in anna
    assert "Send a request" not in carla  # busy: not offered
    opened = learner.get(f"/course/{course_id}/requests/new/{mentors['Anna Bianchi'].id}")
    assert opened.status_code == 200
    assert 'name="question"' in opened.get_data(as_text=True)


def test_staff_and_mentors_get_no_request_action(app, launch):
    mentor, course_id = enter(app, launch, user_id="m1", role="Community TA", name="Anna Bianchi")
    _save_profile(mentor, course_id)
    staff, _ = enter(app, launch, user_id="s1", role="staff")

    for browser in (mentor, staff):
        page = browser.get(f"/course/{course_id}/mentors").get_data(as_text=True)
        assert "mentor-" in page and 'data-testid="send-request"' not in page


def test_who_may_ask_whom_is_one_rule_for_pages_and_operations(app, launch):
    """A learner who also mentors in the course asks other mentors, never themself; a mentor
    may have a mentor too; staff ask nobody: the pages offer exactly what the operation
    accepts."""
    luca, course_id = enter(app, launch, user_id="luca", name="Luca Neri")
    anna, _ = enter(app, launch, user_id="anna", role="Community TA", name="Anna Bianchi")
    staff, _ = enter(app, launch, user_id="teacher", role="staff")
    _save_profile(luca, course_id, headline="Learner who mentors")
    _save_profile(anna, course_id)
    learner_mentor = _profile_of("luca")
    learner_mentor.status = MentorStatus.APPROVED  # staff approved the volunteer
    db.session.commit()
    mentor = _profile_of("anna")
    request_form = {
        "question": "How do I plan my week?",
        "ideas": "A calendar.",
        "expectations": "Advice.",
        "mode": "video",
    }

    def ask(browser, profile):
        page = "mentors/pool" if browser is staff else "mentors/me"
        token = csrf_of(browser, f"/course/{course_id}/{page}")  # one token per session
        url = f"/course/{course_id}/requests/new/{profile.id}"
        return browser.post(url, data={**request_form, "csrf_token": token})

    def offered(browser, profile):
        page = browser.get(f"/course/{course_id}/mentors/{profile.id}").get_data(as_text=True)
        return f"/requests/new/{profile.id}" in page

    assert offered(luca, mentor) and not offered(luca, learner_mentor)
    assert offered(anna, learner_mentor) and not offered(anna, mentor)
    assert not offered(staff, mentor) and not offered(staff, learner_mentor)

    refused_self = ask(luca, learner_mentor)
    refused_staff = ask(staff, mentor)

    assert "cannot send a contact request to yourself" in refused_self.get_data(as_text=True)
    assert refused_staff.status_code == 403
    assert count_rows(ContactRequest) == {"contact_request": 0}
    assert ask(luca, mentor).status_code == 302
    assert ask(anna, learner_mentor).status_code == 302
    sent = db.session.scalars(db.select(ContactRequest).order_by(ContactRequest.id)).all()
    assert [(r.mentee_id, r.mentor_id) for r in sent] == [
        (learner_mentor.membership_id, mentor.id),
        (mentor.membership_id, learner_mentor.id),
    ]
    assert not access.can_request(staff_member(course_id), mentor, MatchingMode.BOTH)


def staff_member(course_id):
    return db.session.scalar(
        db.select(Membership)
        .filter_by(course_id=course_id)
        .join(Membership.user)
        .where(User.subject == "teacher")
    )
