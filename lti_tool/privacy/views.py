"""The person's own data, seen and downloaded from inside the course (§3 personal data)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template

from ..core.auth import course_view
from ..people.models import Membership
from .queries import export_person

bp = Blueprint("privacy", __name__, url_prefix="/course/<int:course_id>/privacy")


@bp.get("/my-data")
@course_view()
def my_data(membership: Membership) -> str:
    """Show who the tool knows the person as in this course, and offer the full download."""
    return render_template(
        "privacy/my_data.html",
        membership=membership,
        user=membership.user,
        course=membership.course,
    )


@bp.get("/my-data.json")
@course_view()
def download(membership: Membership) -> Response:
    """Download everything the tool holds about the launched person in this course, as JSON."""
    data = export_person(membership.user, course_id=membership.course_id)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": (
                f'attachment; filename="my-data-course-{membership.course_id}.json"'
            ),
            "Cache-Control": "no-store",
        },
    )
