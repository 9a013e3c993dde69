"""Suggested matching (issue 5, acceptance 3): capacity, busy, exclusion, language, score parts."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import insert

from lti_tool.extensions import db
from lti_tool.mentoring.exclusion import bar_participant
from lti_tool.mentoring.models import ContactRequest, Mentorship, MentorshipStatus, RequestStatus
from lti_tool.mentors.models import MentorStatus
from lti_tool.models_base import utcnow
from lti_tool.notifications.models import Notification
from lti_tool.people.models import CourseRole, Membership, User
from lti_tool.staff import assignment, matching
from tests.conftest import count_rows
from tests.mentoring.factories import conclude, send, start
from tests.mentoring.web import sign_into
from tests.mentors.factories import MentorSpec, seed_mentors
from tests.support.factories import make_course, make_member, make_mentor

LOCALES = ["it", "en", "de_CH", "fr", None, "pt_BR", "en-GB", "it_IT"]
TOPICS = ["instructional design", "career change", "public speaking", "data analysis", "writing"]
LANGUAGE_SETS = [["it"], ["en"], ["de", "fr"], ["en", "it"], ["fr"]]


def seed_learners(course, count: int, prefix: str = "learner") -> list[int]:
    """Insert learners in two bulk statements; return their membership ids."""
    issuer = course.deployment.registration.issuer
    user_ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {
                "issuer": issuer,
                "subject": f"{prefix}-{number}",
                "name": f"Learner {number}",
                "email": f"{prefix}-{number}@example.org",
                "locale": LOCALES[number % len(LOCALES)],
            }
            for number in range(count)
        ],
    ).all()
    return list(
        db.session.scalars(
            insert(Membership).returning(Membership.id, sort_by_parameter_order=True),
            [
                {"course_id": course.id, "user_id": user_id, "role": CourseRole.LEARNER}
                for user_id in user_ids
            ],
        ).all()
    )


def big_programme():
    """300 learners and 100 mentors with every kind of mentor the rules exclude."""
    course = make_course()
    staff = make_member(course, CourseRole.STAFF, name="Stella Staff")
    db.session.commit()
    specs = []
    for number in range(100):
        specs.append(
            MentorSpec(
                name=f"Mentor {number}",
                topics=[TOPICS[number % 5], TOPICS[(number + 2) % 5]],
                languages=LANGUAGE_SETS[number % 5],
                modes=["video", "phone"] if number % 2 else ["in_person"],
                capacity=1 + number % 3,
                is_busy=number % 10 == 3,
                status=(
                    MentorStatus.PAUSED
                    if number % 10 == 5
                    else MentorStatus.EXCLUDED
                    if number % 10 == 7
                    else MentorStatus.APPLICANT
                    if number % 10 == 9
                    else MentorStatus.APPROVED
                ),
            )
        )
    profile_ids = seed_mentors(course, specs)
    learner_ids = seed_learners(course, 300)
    now = utcnow()
    # Mentors 0..9 already have one active mentee each (another learner each).
    extra = seed_learners(course, 10, prefix="taken")
    db.session.execute(
        insert(Mentorship),
        [
            {
                "course_id": course.id,
                "mentee_id": extra[number],
                "mentor_id": profile_ids[number],
                "status": MentorshipStatus.ACTIVE,
                "contacts_planned": 4,
                "contacts_done": 0,
                "started_at": now,
            }
            for number in range(10)
        ],
    )
    # Learner 0 was declined by mentor 1 and ended early with mentor 4 (both speak "it"/"en").
    db.session.add(
        ContactRequest(
            course_id=course.id,
            mentee_id=learner_ids[0],
            mentor_id=profile_ids[1],
            question="I want to move into instructional design",
            ideas="",
            expectations="",
            preferred_mode="video",
            status=RequestStatus.DECLINED,
            answer_due_at=now,
        )
    )
    db.session.add(
        Mentorship(
            course_id=course.id,
            mentee_id=learner_ids[0],
            mentor_id=profile_ids[4],
            status=MentorshipStatus.ENDED_EARLY,
            started_at=now,
            ended_at=now,
        )
    )
    db.session.commit()
    return course, staff, specs, learner_ids


def test_matching_300_learners_and_100_mentors_respects_every_rule(app):
    course, staff, specs, learner_ids = big_programme()
    by_profile = {spec.id: spec for spec in specs}
    existing = Counter({specs[number].id: 1 for number in range(10)})

    proposal, learners, mentors = assignment.propose_matches(staff)

    assert len(learners) == 300  # the ten "taken" learners have a mentor already
    assert len(proposal.pairs) + len(proposal.unmatched) == 300
    proposed = Counter(pair.profile_id for pair in proposal.pairs)
    assert len({pair.learner_id for pair in proposal.pairs}) == len(proposal.pairs)
    for profile_id, count in proposed.items():
        spec = by_profile[profile_id]
        assert count + existing[profile_id] <= spec.capacity
        assert spec.status == MentorStatus.APPROVED and not spec.is_busy
    for pair in proposal.pairs:
        learner = learners[pair.learner_id]
        assert learner.language in by_profile[pair.profile_id].languages
        assert [part.key for part in pair.parts] == ["language", "topics", "mode", "needs"]
        assert pair.total == sum(part.points for part in pair.parts)
    first = learners[learner_ids[0]]
    assert first.excluded_profiles == {specs[1].id, specs[4].id}
    assert first.preferred_mode == "video"
    assert {
        pair.profile_id for pair in proposal.pairs if pair.learner_id == learner_ids[0]
    }.isdisjoint({specs[1].id, specs[4].id})
    for number, learner_id in enumerate(learner_ids):
        if LOCALES[number % len(LOCALES)] is None:
            assert proposal.unmatched[learner_id] == "no_language"
        if LOCALES[number % len(LOCALES)] == "pt_BR":  # no mentor speaks Portuguese
            assert proposal.unmatched[learner_id] == "no_shared_language"
    assert_reasons_hold(proposal, learners, mentors)


def assert_reasons_hold(proposal, learners, mentors):
    """Every reason stated for a learner left without a proposal is true of the data."""
    proposed = Counter(pair.profile_id for pair in proposal.pairs)
    left = {
        mentor.profile_id: mentor.free_places - proposed[mentor.profile_id]
        for mentor in mentors.values()
    }
    for learner_id, reason in proposal.unmatched.items():
        learner = learners[learner_id]
        sharing = [m for m in mentors.values() if learner.language in m.languages]
        allowed = [m for m in sharing if matching.score_pair(learner, m) is not None]
        # Nobody is left out while a mentor who may take them has a free place left.
        assert not any(left[m.profile_id] > 0 for m in allowed), (learner_id, reason)
        if reason == "no_language":
            assert learner.language is None
        elif reason == "no_shared_language":
            assert learner.language is not None and not sharing
        elif reason == "only_excluded":
            assert sharing and not allowed
        elif reason == "no_free_place":
            assert allowed and all(m.free_places <= 0 for m in allowed)
        else:
            assert reason == "places_taken"
            assert any(m.free_places > 0 for m in allowed)


def test_the_matching_page_shows_each_pairs_score_parts_and_confirms_some_edited(app):
    course, staff, specs, learner_ids = big_programme()
    browser = sign_into(app, staff)

    page = browser.get("/staff/matching").get_data(as_text=True)

    first_pair = re.search(r'data-testid="pair-(\d+)"', page)
    learner_id = int(first_pair.group(1))
    for part in ("language", "topics", "mode", "needs"):
        assert f'data-testid="part-{learner_id}-{part}"' in page
    assert "Language: 30 / 30" in page
    assert 'data-testid="unmatched-' in page
    assert "the LMS did not tell the tool their language" in page

    proposal, learners, mentors = assignment.propose_matches(staff)
    chosen = proposal.pairs[:3]
    edited = proposal.alternatives[chosen[1].learner_id][0]
    form = {"accept": [str(pair.learner_id) for pair in chosen]}
    for pair in proposal.pairs:
        form[f"mentor-{pair.learner_id}"] = str(pair.profile_id)
    form[f"mentor-{chosen[1].learner_id}"] = str(edited.profile_id)

    review = browser.post("/staff/matching", form)

    assert review.status_code == 200
    assert "3 mentorships will be created; each person is notified." in _text(review)
    assert Mentorship.query.filter_by(assigned_by_id=staff.id).count() == 0
    response = browser.post("/staff/matching", {**form, "confirmed": "1"})
    assert response.status_code == 302
    pairs = {
        (m.mentee_id, m.mentor_id) for m in Mentorship.query.filter_by(assigned_by_id=staff.id)
    }
    assert pairs == {
        (chosen[0].learner_id, chosen[0].profile_id),
        (chosen[1].learner_id, edited.profile_id),
        (chosen[2].learner_id, chosen[2].profile_id),
    }
    assert Notification.query.filter_by(kind="mentorship_assigned").count() == 6


def test_confirming_a_pair_that_shares_no_language_is_refused_and_saves_nothing(
    staff_browser, cohort
):
    # Ugo's platform sent no locale: the tool knows no language of his, so no mentor shares one.
    before = count_rows(Mentorship, Notification)

    response = staff_browser.post(
        "/staff/matching",
        {
            "accept": [str(cohort.ugo.id), str(cohort.luca.id)],
            f"mentor-{cohort.ugo.id}": str(cohort.oscar.id),
            f"mentor-{cohort.luca.id}": str(cohort.marta.id),
        },
    )

    assert response.status_code == 400
    assert "This pair shares no language" in response.get_data(as_text=True)
    assert count_rows(Mentorship, Notification) == before


def test_score_parts_add_up_for_a_pair():
    learner = matching.LearnerFacts(
        1,
        "L",
        "it",
        topics=frozenset({"career change"}),
        need_words=matching.need_words(["help with public speaking please"]),
        preferred_mode="video",
    )
    mentor = matching.MentorFacts(
        9,
        2,
        "M",
        ("Career change", "Public speaking", "Writing"),
        frozenset({"it"}),
        frozenset({"video"}),
        1,
    )

    pair = matching.score_pair(learner, mentor)

    parts = {part.key: (part.points, part.matched) for part in pair.parts}
    assert parts == {
        "language": (30, ("it",)),
        "topics": (10, ("Career change",)),
        "mode": (15, ("video",)),
        "needs": (10, ("Public speaking",)),
    }
    assert pair.total == 65
    other_language = matching.MentorFacts(10, 3, "N", (), frozenset({"en"}), frozenset(), 1)
    assert matching.score_pair(learner, other_language) is None
    assert matching.language_of("pt-BR") == "pt"


def _text(response):
    return response.get_data(as_text=True)


def test_nothing_is_ticked_for_staff(staff_browser):
    page = _text(staff_browser.get("/staff/matching"))

    assert 'name="accept"' in page
    assert " checked" not in page


def test_only_people_who_may_be_matched_now_are_proposed(cohort):
    """A concluded learner, an active mentee, a learner who is a mentor, a barred learner."""
    concluded = make_member(cohort.course, name="Carla Concluded", locale="it")
    active = make_member(cohort.course, name="Andrea Active", locale="it")
    volunteer = make_member(cohort.course, name="Vera Volunteer", locale="it")
    barred = make_member(cohort.course, name="Bruno Barred", locale="it")
    free = make_mentor(cohort.course, name="Fabia Free", locale="it", capacity=5)
    conclude(start(concluded, free))
    start(active, free)
    make_mentor(cohort.course, membership=volunteer)
    bar_participant(cohort.staff, barred)
    barred_mentor = make_mentor(cohort.course, name="Barbara Barred-Mentor", capacity=5)
    bar_participant(cohort.staff, barred_mentor.membership)
    db.session.commit()

    proposal, learners, mentors = assignment.propose_matches(cohort.staff)

    assert not {concluded.id, active.id, volunteer.id, barred.id} & set(learners)
    assert barred_mentor.id not in mentors
    assert_reasons_hold(proposal, learners, mentors)
    again, learners_again, _ = assignment.propose_matches(cohort.staff, again=True)
    assert concluded.id in learners_again  # staff chose "again"
    assert {active.id, volunteer.id, barred.id}.isdisjoint(learners_again)


def test_a_pair_that_became_invalid_before_confirmation_is_refused_with_its_reason(
    staff_browser, cohort
):
    form = {"accept": [str(cohort.luca.id)], f"mentor-{cohort.luca.id}": str(cohort.marta.id)}
    review = staff_browser.post("/staff/matching", form)
    assert "1 mentorship will be created; each person is notified." in _text(review)
    # Meanwhile Luca asked Marta himself, and Marta went busy.
    send(cohort.luca, cohort.marta)
    cohort.marta.is_busy = True
    db.session.commit()
    before = count_rows(Mentorship, Notification)

    response = staff_browser.post("/staff/matching", {**form, "confirmed": "1"})

    assert response.status_code == 400
    assert "This learner cannot be matched now" in _text(response)
    assert count_rows(Mentorship, Notification) == before
