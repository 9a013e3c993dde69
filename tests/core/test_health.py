"""The health check tells a load balancer whether database and cache answer."""

from __future__ import annotations


def test_health_reports_database_and_cache(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_course_pages_need_a_launch(client):
    response = client.get("/course/1/")

    assert response.status_code == 401
    assert "Open the activity again from your course" in response.get_data(as_text=True)
