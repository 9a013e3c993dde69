"""Assignment by hand and by CSV (issue 5, acceptance 2): preview, all or nothing, notices."""

from __future__ import annotations

import io

from lti_tool.mentoring.models import Mentorship
from lti_tool.notifications.models import Notification
from tests.conftest import count_rows
from tests.mentoring.web import _fresh_g
from tests.support.html import input_values


def upload(person, text: str):
    token = person.token()
    _fresh_g()
    return person.client.post(
        person.url("/staff/assign/csv"),
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "pairs.csv")},
        content_type="multipart/form-data",
    )


def assigned_kinds() -> list[tuple[int, str]]:
    return sorted(
        (notice.recipient_id, notice.kind)
        for notice in Notification.query.filter_by(kind="mentorship_assigned")
    )


def test_assignment_by_hand_creates_the_mentorship_and_tells_both(staff_browser, cohort):
    page = staff_browser.get("/staff/assign?mentee=luca@example.org").get_data(as_text=True)
    assert 'value="luca@example.org"' in page
    assert "Marta Mentore (0 of 2 mentees)" in page

    response = staff_browser.post(
        "/staff/assign", {"mentee": "luca@example.org", "mentor": str(cohort.marta.id)}
    )

    assert response.status_code == 302
    mentorship = Mentorship.query.one()
    assert (mentorship.mentee_id, mentorship.mentor_id) == (cohort.luca.id, cohort.marta.id)
    assert mentorship.assigned_by_id == cohort.staff.id
    assert assigned_kinds() == sorted(
        [
            (cohort.luca.id, "mentorship_assigned"),
            (cohort.marta.membership_id, "mentorship_assigned"),
        ]
    )


def test_assignment_by_hand_with_bad_input_shows_why_beside_the_field(staff_browser, cohort):
    response = staff_browser.post(
        "/staff/assign", {"mentee": "nobody@example.org", "mentor": str(cohort.marta.id)}
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="mentee-error"' in page
    assert "Nobody in this course has the e-mail or user id “nobody@example.org”." in page
    assert count_rows(Mentorship, Notification) == {"mentorship": 0, "notification": 0}

    response = staff_browser.post(
        "/staff/assign", {"mentee": "fiona@example.org", "mentor": str(cohort.marta.id)}
    )
    assert "Nobody in this course has the e-mail" in response.get_data(as_text=True)
    assert count_rows(Mentorship)["mentorship"] == 0


BAD_CSV = (
    "mentee,mentor\n"
    "luca@example.org,marta@example.org\n"  # good
    "nobody@example.org,marta@example.org\n"  # unknown mentee
    "lena@example.org,luca@example.org\n"  # a learner without a mentor profile
    "fiona@example.org,oscar@example.org\n"  # a learner of another course
    "lena@example.org,oscar@example.org\n"  # good
    "ugo@example.org,oscar@example.org\n"  # Oscar has one place, taken on the line above
    "luca@example.org,marta@example.org\n"  # the same pair again
    ",marta@example.org\n"  # no mentee
)


def test_a_csv_with_bad_rows_shows_each_reason_and_saves_nothing(staff_browser, cohort):
    response = upload(staff_browser, BAD_CSV)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    expected = {
        2: "ready",
        3: "Nobody in this course has the e-mail or user id “nobody@example.org”.",
        4: "luca@example.org has no mentor profile in this course.",
        5: "Nobody in this course has the e-mail or user id “fiona@example.org”.",
        6: "ready",
        7: "The mentor would have more mentees than they can take (1).",
        8: "The same pair appears on an earlier line.",
        9: "Give the mentee&#39;s e-mail or LMS user id.",
    }
    for line, reason in expected.items():
        row = page.split(f'data-testid="csv-line-{line}"')[1].split("</tr>")[0]
        assert reason in row, (line, row)
    assert "nothing was saved" in page
    assert 'name="content"' not in page  # no way to confirm a rejected file
    assert count_rows(Mentorship, Notification) == {"mentorship": 0, "notification": 0}


def test_confirming_a_rejected_file_anyway_saves_nothing(staff_browser, cohort):
    response = staff_browser.post("/staff/assign/csv/confirm", {"content": BAD_CSV})

    assert response.status_code == 400
    assert "The mentor would have more mentees" in response.get_data(as_text=True)
    assert count_rows(Mentorship, Notification) == {"mentorship": 0, "notification": 0}


def test_a_clean_csv_creates_the_mentorships_and_the_notifications(staff_browser, cohort):
    subject = cohort.lena.user.subject
    text = f"Mentor;Mentee\nmarta@example.org;luca@example.org\noscar@example.org;{subject}\n"

    preview = upload(staff_browser, text)

    assert preview.status_code == 200
    assert count_rows(Mentorship)["mentorship"] == 0  # a preview saves nothing
    content = input_values(preview.get_data(as_text=True))["content"]
    response = staff_browser.post("/staff/assign/csv/confirm", {"content": content})

    assert response.status_code == 302
    pairs = {(m.mentee_id, m.mentor_id) for m in Mentorship.query}
    assert pairs == {(cohort.luca.id, cohort.marta.id), (cohort.lena.id, cohort.oscar.id)}
    assert assigned_kinds() == sorted(
        [
            (cohort.luca.id, "mentorship_assigned"),
            (cohort.marta.membership_id, "mentorship_assigned"),
            (cohort.lena.id, "mentorship_assigned"),
            (cohort.oscar.membership_id, "mentorship_assigned"),
        ]
    )
    page = staff_browser.get("/staff/").get_data(as_text=True)
    assert "2 mentorships were created" in page


def test_a_file_that_is_not_an_assignment_csv_is_refused_beside_the_field(staff_browser, cohort):
    response = upload(staff_browser, "name,email\nx,y\n")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page
    assert "The first line must name the columns" in page
    assert count_rows(Mentorship)["mentorship"] == 0


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(staff_browser, cohort):
    pairs = "mentee,mentor\n" + "someone@example.org,mentor@example.org\n" * 60_000  # ~2.3 MB

    response = upload(staff_browser, pairs)

    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert count_rows(Mentorship)["mentorship"] == 0
