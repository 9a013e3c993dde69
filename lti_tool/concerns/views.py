"""The page a participant reports a concern on (§3); staff handle concerns on their pages.

Its URL sits under the course's, beside the mentorships a concern is reported from.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _

from ..mentoring import queries
from ..mentoring.views import PARTICIPANTS, act, display_name
from ..people.models import Membership
from ..programme.access import participant_view
from . import operations
from .forms import ConcernForm

bp = Blueprint("concerns", __name__, url_prefix="/course/<int:course_id>")


@bp.route("/concerns/new", methods=["GET", "POST"])
@participant_view(*PARTICIPANTS)
def report(membership: Membership) -> Any:
    """Report a concern, about a mentorship or a person, confidentially to the course staff."""
    items = queries.mentorships_of(membership)
    people = {person.id: person for person in queries.concern_people(membership)}
    form = ConcernForm()
    form.offer(
        [
            (item.mentorship.id, _("Mentorship with %(name)s", name=display_name(item.other)))
            for item in items
        ],
        [(person.id, display_name(person)) for person in people.values()],
    )
    if request.method == "GET":
        form.mentorship.data = request.args.get("mentorship", 0, type=int)
    chosen = {item.mentorship.id: item.mentorship for item in items}
    return act(
        form,
        lambda: operations.report_concern(
            membership,
            text=form.text.data,
            mentorship=chosen.get(form.mentorship.data),
            about=people.get(form.about.data),
        ),
        then=url_for("mentoring.mentorships", course_id=membership.course_id),
        message=_("Your concern was sent to the course staff. Only they can read it."),
    ) or render_template("concerns/report.html", form=form)
