"""Staff handle concerns: list, record what was done, close (issue 5)."""

from __future__ import annotations

from lti_tool.concerns.models import Concern, ConcernAction, ConcernStatus
from lti_tool.concerns.operations import report_concern
from lti_tool.extensions import db


def reported(cohort) -> Concern:
    concern = report_concern(
        cohort.luca, text="My mentor keeps cancelling.", about=cohort.marta.membership
    )
    db.session.commit()
    return concern


def test_staff_list_record_and_close_a_concern(staff_browser, cohort):
    concern = reported(cohort)

    listing = staff_browser.get("/staff/concerns?status=open").get_data(as_text=True)
    assert f'data-testid="concern-{concern.id}"' in listing
    assert "Luca Learner" in listing
    page = staff_browser.get(f"/staff/concerns/{concern.id}").get_data(as_text=True)
    assert "My mentor keeps cancelling." in page
    assert "Marta Mentore" in page

    recorded = staff_browser.post(
        f"/staff/concerns/{concern.id}/actions", {"text": "Called both; a new date is set."}
    )
    assert recorded.status_code == 302
    closed = staff_browser.post(
        f"/staff/concerns/{concern.id}/close", {"action_taken": "Resolved after the call."}
    )
    assert closed.status_code == 302

    db.session.refresh(concern)
    assert concern.status == ConcernStatus.CLOSED
    assert concern.closed_by_id == cohort.staff.id
    page = staff_browser.get(f"/staff/concerns/{concern.id}").get_data(as_text=True)
    assert "Called both; a new date is set." in page
    assert "Resolved after the call." in page
    assert f'data-testid="concern-{concern.id}"' not in staff_browser.get(
        "/staff/concerns?status=open"
    ).get_data(as_text=True)


def test_an_empty_action_is_refused_beside_the_field_and_nothing_changes(staff_browser, cohort):
    concern = reported(cohort)

    for path, field in (("actions", "text"), ("close", "action_taken")):
        response = staff_browser.post(f"/staff/concerns/{concern.id}/{path}", {field: "  "})
        assert response.status_code == 400
        assert f'id="{field}-error"' in response.get_data(as_text=True)

    db.session.refresh(concern)
    assert concern.status == ConcernStatus.OPEN
    assert ConcernAction.query.count() == 0


def test_a_closed_concern_cannot_be_closed_again(staff_browser, cohort):
    concern = reported(cohort)
    staff_browser.post(f"/staff/concerns/{concern.id}/close", {"action_taken": "Done."})

    response = staff_browser.post(f"/staff/concerns/{concern.id}/close", {"action_taken": "Again"})

    assert response.status_code == 400
    assert "This concern is already closed." in response.get_data(as_text=True)
    db.session.refresh(concern)
    assert concern.action_taken == "Done."
