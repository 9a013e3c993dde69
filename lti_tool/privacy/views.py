"""The person's own data, downloaded from inside the course (§3 personal data)."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from ..core.auth import course_view
from ..people.models import Membership
from .queries import export_person

bp = Blueprint("privacy", __name__, url_prefix="/course/<int:course_id>/privacy")


@bp.get("/my-data.json")
@course_view()
def my_data(membership: Membership) -> Response:
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
