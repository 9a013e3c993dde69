"""A person's export holds every kind of row about them, and nobody else's private texts (§3)."""

from __future__ import annotations

import json

from lti_tool.privacy.queries import export_person


def _membership(export):
    (membership,) = export["memberships"]
    return membership


def test_export_holds_every_kind_of_row_about_the_person(journey):
    export = export_person(journey.mentee.user)
    json.dumps(export)  # serialisable as it is

    assert export["user"] == {
        "issuer": journey.mentee.user.issuer,
        "subject": journey.mentee.user.subject,
        "name": "Luca Learner",
        "given_name": None,
        "family_name": None,
        "email": "luca@example.org",
        "locale": "it",
        "last_launch_at": None,
        "created_at": journey.mentee.user.created_at.isoformat(),
    }
    assert [row["confirmed_of_age"] for row in export["standards_acceptances"]] == [True]
    member = _membership(export)
    assert (member["course"]["title"], member["role"], member["is_active"]) == (
        "Mentoring for adult learners",
        "learner",
        True,
    )
    assert member["mentor_profile"] is None
    assert [row["status"] for row in member["requests_sent"]] == ["accepted", "accepted"]
    assert member["requests_sent"][0]["question"].startswith("luca-shared question")
    finished, active = member["mentorships"]
    assert (finished["side"], finished["status"], active["status"]) == (
        "mentee",
        "concluded",
        "active",
    )
    assert finished["agreements"][0]["goals"] == "luca-shared goals: three portfolio pieces."
    assert [contact["number"] for contact in finished["contacts"]] == [1, 2, 3, 4]
    assert finished["my_preparation_forms"][0]["needs"] == "luca-private what I need"
    given = {row["key"]: row["answer"] for row in finished["my_evaluation"]["answers"]}
    assert given["what_helped"] == "luca-private what helped"
    assert given["process_rating"] == 5
    assert finished["my_evaluation"]["answers"][0]["question"] == (
        "How well did the mentoring process work?"
    )
    assert active["my_evaluation"] is None
    (answer,) = member["reflection_answers"]
    assert [revision["text"] for revision in answer["revisions"]] == [
        "luca-private reflection, version 1",
        "luca-private reflection, version 2",
    ]
    assert {row["kind"] for row in member["notifications"]} >= {"request_accepted"}
    assert member["notifications"][0]["emails"][0]["to_address"] == "luca@example.org"
    assert member["concerns_reported"][0]["text"] == "luca-private concern about a session"
    assert {row["action"] for row in member["audit_events"]} >= {"sent", "concluded"}
    # ISO-8601 timestamps with their UTC offset.
    assert finished["concluded_at"].endswith("+00:00")


def test_export_leaves_out_the_other_sides_private_forms_and_evaluation(journey):
    mentee_text = json.dumps(export_person(journey.mentee.user))
    mentor_export = export_person(journey.marta.membership.user)
    mentor_text = json.dumps(mentor_export)

    assert "marta-private" not in mentee_text
    assert "luca-private" not in mentor_text
    # The mentor's own side is there, and the request she received with its shared texts.
    mentorship = _membership(mentor_export)["mentorships"][0]
    assert mentorship["side"] == "mentor"
    assert mentorship["my_preparation_forms"][0]["offered_notes"] == "marta-private offered notes"
    given = {row["key"]: row["answer"] for row in mentorship["my_evaluation"]["answers"]}
    assert given["what_helped"] == "marta-private what helped"
    assert _membership(mentor_export)["mentor_profile"]["headline"] == "Instructional designer"
    assert len(_membership(mentor_export)["requests_received"]) == 1
    # The notices she received name her mentors, but nobody else's address is in her file.
    assert "otto@example.org" not in mentee_text and "marta@example.org" not in mentee_text
