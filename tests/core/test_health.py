"""Course pages need a launch (the health endpoints are tested in tests/ops)."""

from __future__ import annotations


def test_course_pages_need_a_launch(client):
    response = client.get("/course/1/")

    assert response.status_code == 401
    assert "Open the activity again from your course" in response.get_data(as_text=True)
