"""Rows for the mentoring tests: courses, people, mentors, and a journey moved to any point."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from lti_tool.extensions import db
from lti_tool.mentoring import mentorships
from lti_tool.mentoring import requests as request_ops
from lti_tool.mentoring.models import ContactRequest, Mentorship
from lti_tool.mentors.models import MentorProfile
from lti_tool.models_base import utcnow
from lti_tool.people.models import Membership

REQUEST = {
    "question": "How do I move from teaching to instructional design?",
    "ideas": "A portfolio and a course on e-learning tools.",
    "expectations": "Advice on the first steps and feedback on my plan.",
    "preferred_mode": "video",
}
AGREEMENT = {
    "goals": "A portfolio of three pieces and a plan for applications.",
    "contact_modes": ["video", "phone"],
    "frequency": "About one hour a month",
    "other_commitments": "Each of us answers messages within a week.",
}
MENTOR_FORM = {
    "offered_last": ["knowledge", "listening"],
    "offered_notes": "Tips on portfolio tools.",
    "offer_next": "A story of my own career change.",
    "techniques_used": ["active_listening", "feedback"],
    "techniques_notes": "Feedback on the draft worked well.",
    "techniques_more": "More open questions.",
    "mentee_needs": "Confidence about the first application.",
    "next_goals": "A first draft of the portfolio.",
}
MENTEE_FORM = {
    "question_next": "Which piece should come first?",
    "tried_since": "I wrote an outline.",
    "needs": "Honest feedback.",
}
EVALUATION = {
    "process_rating": 5,
    "goal_attainment": 4,
    "usefulness": 5,
    "what_helped": "Concrete feedback.",
    "what_to_change": "Start earlier.",
    "would_recommend": True,
}


def send(mentee: Membership, profile: MentorProfile, **changes: Any) -> ContactRequest:
    """Send a request with valid contents (``changes`` override them)."""
    return request_ops.send_request(mentee, profile, **{**REQUEST, **changes})


def start(mentee: Membership, profile: MentorProfile, *, days_ago: int = 90) -> Mentorship:
    """Send and accept a request: an active mentorship, started ``days_ago`` (so that its
    contacts can be dated in the past: none can precede the start)."""
    request = send(mentee, profile)
    mentorship = request_ops.accept_request(
        profile.membership, request, proposal="A first call next Tuesday?"
    )
    mentorship.started_at = utcnow() - timedelta(days=days_ago)
    db.session.flush()
    return mentorship


def log(member: Membership, mentorship: Mentorship, *, days_ago: int = 0) -> Any:
    """Log a contact of an hour by video."""
    return mentorships.log_contact(
        member,
        mentorship,
        held_on=date.today() - timedelta(days=days_ago),
        mode="video",
        duration_minutes=60,
    )


def conclude(mentorship: Mentorship) -> Mentorship:
    """Log the planned contacts: the mentorship concludes."""
    while mentorship.contacts_done < mentorship.contacts_planned:
        log(
            mentorship.mentee,
            mentorship,
            days_ago=(mentorship.contacts_planned - mentorship.contacts_done) * 7,
        )
    return mentorship


def past(days: int = 1) -> Any:
    """A moment some days ago."""
    return utcnow() - timedelta(days=days)
