"""What each kind of notice says, in the recipient's language (subject and body)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString, ngettext
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class NoticeText:
    """Subject and body of one kind of notice; ``%(name)s`` placeholders take the params.

    ``plural_body`` writes the whole body from the params, in the plural form the ``count``
    param needs in the reader's language (``body`` then only documents the notice).
    """

    subject: LazyString
    body: LazyString
    plural_body: Callable[[dict[str, Any]], str] | None = None


NOTICES: dict[str, NoticeText] = {
    "request_received": NoticeText(
        _l("New contact request from %(mentee)s"),
        _l(
            "%(mentee)s asks you to be their mentor in %(course)s. Please answer by %(due)s: "
            "accept with a proposal of how to proceed, or decline with a short reason."
        ),
    ),
    "request_accepted": NoticeText(
        _l("%(mentor)s accepted your request"),
        _l("%(mentor)s accepted your contact request and proposes: %(proposal)s"),
    ),
    "request_declined": NoticeText(
        _l("%(mentor)s answered your request"),
        _l("%(mentor)s cannot take your request on: %(reason)s. You can ask another mentor."),
    ),
    "request_withdrawn": NoticeText(
        _l("%(mentee)s withdrew their request"),
        _l("%(mentee)s withdrew the contact request they sent you. Nothing more to do."),
    ),
    "request_reminder": NoticeText(
        _l("Reminder: %(mentee)s is waiting for your answer"),
        _l(
            "Please answer the contact request of %(mentee)s by %(due)s, even if you cannot "
            "take it on."
        ),
    ),
    "request_expired": NoticeText(
        _l("Your request to %(mentor)s expired"),
        _l(
            "%(mentor)s did not answer in time and your request expired. The course staff "
            "know; you can ask another mentor."
        ),
    ),
    "request_expired_mentor": NoticeText(
        _l("A contact request to you expired"),
        _l("The contact request of %(mentee)s expired without an answer. Staff were told."),
    ),
    "request_escalated": NoticeText(
        _l("Unanswered request: %(mentee)s to %(mentor)s"),
        _l("%(mentor)s did not answer the contact request of %(mentee)s in time."),
    ),
    "mentor_auto_busy": NoticeText(
        _l("You were marked busy"),
        _l(
            "Several contact requests to you expired without an answer, so you no longer appear "
            "in search. Switch “busy” off in your profile when you can take mentees again."
        ),
    ),
    "mentor_auto_busy_staff": NoticeText(
        _l("%(mentor)s was marked busy automatically"),
        _l("%(count)s contact requests to %(mentor)s expired without an answer."),
        plural_body=lambda params: ngettext(
            "%(count)s contact request to %(mentor)s expired without an answer.",
            "%(count)s contact requests to %(mentor)s expired without an answer.",
            params["count"],
            **params,
        ),
    ),
    "mentor_status_changed": NoticeText(
        _l("Your mentor profile: %(status)s"),
        _l("The course staff changed the state of your mentor profile to: %(status)s."),
    ),
    "mentor_application": NoticeText(
        _l("%(mentor)s would like to mentor"),
        _l("%(mentor)s has a mentor profile waiting for approval."),
    ),
    "mentorship_assigned": NoticeText(
        _l("You have a new mentorship"),
        _l("The course staff paired %(mentee)s with %(mentor)s."),
    ),
    "agreement_proposed": NoticeText(
        _l("Mentoring agreement to confirm"),
        _l("%(author)s proposed a mentoring agreement (version %(version)s). Please review it."),
    ),
    "agreement_confirmed": NoticeText(
        _l("Mentoring agreement confirmed"),
        _l("You and %(other)s both confirmed version %(version)s of your agreement."),
    ),
    "contact_logged": NoticeText(
        _l("Contact %(number)s logged"),
        _l("%(author)s logged contact %(number)s of %(planned)s (%(mode)s)."),
    ),
    "mentorship_concluded": NoticeText(
        _l("Your mentorship is concluded"),
        _l(
            "Contact %(planned)s is done: your mentorship is officially concluded. You may "
            "continue if you both wish. Please both fill in the evaluation."
        ),
    ),
    "mentorship_ended_early": NoticeText(
        _l("Mentorship ended"),
        _l("%(author)s ended the mentorship early. Reason: %(reason)s"),
    ),
    "mentorship_closed": NoticeText(
        _l("Mentorship closed"),
        _l("%(author)s closed your mentorship after its continuation. Thank you both."),
    ),
    "mentorship_ended_by_programme": NoticeText(
        _l("Mentorship ended by the programme"),
        _l("The course staff ended your mentorship with %(other)s. Please evaluate it."),
    ),
    "mentorship_handed_over": NoticeText(
        _l("Your mentorship continues with %(mentor)s"),
        _l(
            "The course staff handed your mentorship over to %(mentor)s. What you did so far "
            "stays visible to you."
        ),
    ),
    "mentorship_taken_over": NoticeText(
        _l("You take over a mentorship"),
        _l("The course staff asked you to continue the mentorship of %(mentee)s."),
    ),
    "request_closed_by_programme": NoticeText(
        _l("Your request to %(mentor)s was closed"),
        _l(
            "%(mentor)s no longer takes part in the programme, so your request was closed. "
            "You can ask another mentor now."
        ),
    ),
    "evaluation_due": NoticeText(
        _l("Please evaluate your mentorship"),
        _l("Your mentorship has ended. Please evaluate the process and the results."),
    ),
    "concern_reported": NoticeText(
        _l("A concern was reported"),
        _l("A participant of %(course)s reported a concern. Open the staff pages to read it."),
    ),
    "mentor_invitation": NoticeText(
        _l("You are invited to mentor in %(course)s"),
        _l(
            "The staff of %(course)s named you one of the course's mentors. Open the "
            "invitation to complete your mentor profile, or decline it if you cannot mentor."
        ),
    ),
    "mentor_invitation_accepted": NoticeText(
        _l("%(mentor)s accepted to mentor"),
        _l("%(mentor)s accepted your invitation and is now a mentor of %(course)s."),
    ),
    "mentor_invitation_declined": NoticeText(
        _l("%(mentor)s declined to mentor"),
        _l("%(mentor)s declined your invitation to mentor in %(course)s."),
    ),
    "mentor_designation_withdrawn": NoticeText(
        _l("You are no longer a mentor of %(course)s"),
        _l(
            "The staff of %(course)s withdrew your designation as a mentor. Requests still "
            "open to you were closed; mentorships in progress were handed over or ended."
        ),
    ),
    "mentor_invitation_withdrawn": NoticeText(
        _l("Invitation to mentor withdrawn"),
        _l("The staff of %(course)s withdrew their invitation to mentor. Nothing to do."),
    ),
}
