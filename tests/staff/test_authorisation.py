"""Who may use the staff pages (issue 5, acceptance 5): only the course's own staff."""

from __future__ import annotations

import pytest

from lti_tool.concerns import operations as concerns
from lti_tool.concerns.models import Concern
from lti_tool.concerns.operations import report_concern
from lti_tool.extensions import db
from lti_tool.mentoring.models import Mentorship
from lti_tool.notifications.models import Notification
from lti_tool.refusals import NotAllowed, Refusal
from lti_tool.staff import assignment, roster
from lti_tool.staff.models import RosterSync
from tests.conftest import count_rows
from tests.mentoring.web import sign_into


def pages(ids) -> list[tuple[str, str, dict]]:
    return [
        ("GET", "/staff/", {}),
        ("GET", "/staff/export/progress.csv", {}),
        ("GET", "/staff/export/evaluations.csv", {}),
        ("GET", "/staff/roster", {}),
        ("POST", "/staff/roster/sync", {}),
        ("POST", f"/staff/roster/sync/{ids['sync']}/continue", {}),
        ("GET", "/staff/assign", {}),
        ("POST", "/staff/assign", {"mentee": "luca@example.org", "mentor": str(ids["mentor"])}),
        (
            "POST",
            "/staff/assign/csv/confirm",
            {"content": "mentee,mentor\nluca@example.org,marta@example.org\n"},
        ),
        ("GET", "/staff/matching", {}),
        (
            "POST",
            "/staff/matching",
            {"accept": str(ids["luca"]), f"mentor-{ids['luca']}": str(ids["mentor"])},
        ),
        ("GET", "/staff/concerns", {}),
        ("GET", f"/staff/concerns/{ids['concern']}", {}),
        ("POST", f"/staff/concerns/{ids['concern']}/actions", {"text": "x"}),
        ("POST", f"/staff/concerns/{ids['concern']}/close", {"action_taken": "x"}),
    ]


@pytest.fixture
def world(app, cohort):
    concern = report_concern(cohort.luca, text="SECRET CONCERN TEXT")
    sync = RosterSync(course_id=cohort.course.id, next_url="https://lms.test/roster")
    db.session.add(sync)
    db.session.commit()
    return {
        "sync": sync.id,
        "concern": concern.id,
        "mentor": cohort.marta.id,
        "luca": cohort.luca.id,
    }


@pytest.mark.parametrize("who", ["learner", "mentor", "foreign_staff_in_own_course_url"])
def test_nobody_but_the_courses_staff_reaches_a_staff_page_or_operation(app, cohort, world, who):
    person = {
        "learner": cohort.luca,
        "mentor": cohort.marta.membership,
        "foreign_staff_in_own_course_url": cohort.foreign_staff,
    }[who]
    browser = sign_into(app, person)
    before = count_rows(Mentorship, Notification, Concern, RosterSync)
    token = browser.token()

    for method, path, data in pages(world):
        url = browser.url(path, course_id=cohort.course.id)
        if method == "GET":
            response = browser.client.get(url)
        else:
            response = browser.client.post(url, data={**data, "csrf_token": token})
        assert response.status_code in (401, 403, 404), (who, path, response.status_code)
        assert "SECRET CONCERN TEXT" not in response.get_data(as_text=True)

    assert count_rows(Mentorship, Notification, Concern, RosterSync) == before


def test_staff_of_another_course_see_nothing_of_this_cohort_through_their_own_course(
    app, cohort, world
):
    browser = sign_into(app, cohort.foreign_staff)

    assert browser.get(f"/staff/concerns/{world['concern']}").status_code == 404
    assert browser.post(f"/staff/roster/sync/{world['sync']}/continue").status_code == 404
    dashboard = browser.get("/staff/").get_data(as_text=True)
    matching = browser.get("/staff/matching").get_data(as_text=True)
    export = browser.get("/staff/export/progress.csv").get_data(as_text=True)
    for page in (dashboard, matching, export):
        assert "Luca Learner" not in page and "Marta Mentore" not in page
    assert "Fiona Foreign" in export
    response = browser.post(
        "/staff/assign", {"mentee": "luca@example.org", "mentor": str(cohort.marta.id)}
    )
    assert response.status_code == 400
    csv_rows = browser.post(
        "/staff/assign/csv/confirm",
        {"content": "mentee,mentor\nluca@example.org,marta@example.org\n"},
    )
    assert csv_rows.status_code == 400
    forged = browser.post(
        "/staff/matching",
        {"accept": str(cohort.luca.id), f"mentor-{cohort.luca.id}": str(cohort.marta.id)},
    )
    assert forged.status_code == 400
    assert count_rows(Mentorship)["mentorship"] == 0


@pytest.mark.parametrize(
    "operation",
    [
        lambda member, cohort: roster.start_roster_sync(member),
        lambda member, cohort: roster.queue_first_roster_sync(member),
        lambda member, cohort: assignment.assign_by_hand(
            member, "lena@example.org", cohort.marta.id
        ),
        lambda member, cohort: assignment.preview_csv(member, "mentee,mentor\na,b\n"),
        lambda member, cohort: assignment.assign_from_csv(member, "mentee,mentor\na,b\n"),
        lambda member, cohort: assignment.propose_matches(member),
        lambda member, cohort: assignment.confirm_matches(
            member, {cohort.lena.id: cohort.marta.id}
        ),
        lambda member, cohort: concerns.record_concern_action(
            member, report_concern(cohort.lena, text="t"), text="x"
        ),
        lambda member, cohort: concerns.close_concern(
            member, report_concern(cohort.lena, text="t"), action_taken="x"
        ),
    ],
)
def test_operations_refuse_learners_and_mentors(app, cohort, operation):
    for member in (cohort.luca, cohort.marta.membership):
        with pytest.raises(NotAllowed):
            operation(member, cohort)


def test_operations_refuse_staff_of_another_course_on_this_courses_rows(app, cohort):
    concern = report_concern(cohort.lena, text="t")
    foreign = cohort.foreign_staff

    with pytest.raises(NotAllowed):
        concerns.record_concern_action(foreign, concern, text="x")
    with pytest.raises(NotAllowed):
        concerns.close_concern(foreign, concern, action_taken="x")
    with pytest.raises(assignment.MatchingRejected):
        assignment.confirm_matches(foreign, {cohort.lena.id: cohort.marta.id})
    with pytest.raises(Refusal):
        assignment.assign_by_hand(foreign, "lena@example.org", cohort.marta.id)
    assert count_rows(Mentorship)["mentorship"] == 0
