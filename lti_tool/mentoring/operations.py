"""The journey's verbs, by sub-domain (kept while branches that import this name are merged).

New code imports from the module that owns the verb: :mod:`.requests`, :mod:`.mentorships`,
:mod:`.agreements`, :mod:`.rules`; concerns in :mod:`lti_tool.concerns.operations`.
"""

from __future__ import annotations

from .agreements import (
    confirm_agreement,
    propose_agreement,
    save_mentee_preparation,
    save_mentor_preparation,
)
from .mentorships import end_mentorship_early, log_contact, submit_evaluation
from .requests import (
    accept_request,
    assign_mentorship,
    decline_request,
    request_refusal,
    send_request,
    withdraw_request,
)
from .rules import MAX_FREQUENCY, MentoringError, NotAllowed, side_of

__all__ = [
    "MAX_FREQUENCY",
    "MentoringError",
    "NotAllowed",
    "accept_request",
    "assign_mentorship",
    "confirm_agreement",
    "decline_request",
    "end_mentorship_early",
    "log_contact",
    "propose_agreement",
    "request_refusal",
    "save_mentee_preparation",
    "save_mentor_preparation",
    "send_request",
    "side_of",
    "submit_evaluation",
    "withdraw_request",
]
