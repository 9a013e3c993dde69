"""What a platform administrator does in the console; each action is audited (§1, §6).

The rules themselves live with their domain (``lti.operations`` for deployments and keys, the
same functions the CLI calls); here they are called on behalf of an administrator and recorded
in the audit trail with who, when and what. The caller checks ``access.can_administer``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from .. import outbox
from ..audit import record_event
from ..extensions import db
from ..gradebook.models import GradebookScore
from ..gradebook.operations import _platform_key as gradebook_platform_key
from ..lti import operations as lti_operations
from ..models_base import utcnow
from ..notifications.models import OutboxEmail
from ..outbox import DeliveryBackoff
from ..people.models import Membership
from ..platforms.models import Deployment, Registration, ToolKey

AdminError = lti_operations.RegistrationError


def set_deployment_active(
    actor: Membership, registration: Registration, deployment: Deployment, *, active: bool
) -> Deployment:
    """Activate or deactivate a deployment of the administrator's registration."""
    if deployment.registration_id != registration.id:
        raise AdminError("The deployment belongs to another platform.")
    was_active = deployment.is_active
    change = lti_operations.activate_deployment if active else lti_operations.deactivate_deployment
    changed = change(registration.issuer, registration.client_id, deployment.deployment_id)
    record_event(
        actor.course_id,
        actor,
        "deployment",
        changed.id,
        "activated" if active else "deactivated",
        deployment_id=changed.deployment_id,
        was_active=was_active,
    )
    return changed


def rotate_keys(actor: Membership, retire_after_days: int) -> ToolKey:
    """Create a new signing key; older keys leave the JWKS after ``retire_after_days``."""
    purged = lti_operations.purge_retired_keys()
    key = lti_operations.rotate_keys(retire_after_days)
    record_event(
        actor.course_id,
        actor,
        "tool_key",
        key.id,
        "rotated",
        kid=key.kid,
        retire_after_days=retire_after_days,
        purged=purged,
    )
    return key


def retire_key(actor: Membership, key: ToolKey, in_days: int) -> ToolKey:
    """Schedule an older key to leave the JWKS in ``in_days`` days."""
    retired = lti_operations.schedule_key_retirement(key.kid, utcnow() + timedelta(days=in_days))
    assert retired.retire_at is not None
    record_event(
        actor.course_id,
        actor,
        "tool_key",
        retired.id,
        "retirement_scheduled",
        kid=retired.kid,
        retire_at=retired.retire_at.isoformat(),
    )
    return retired


#: Audit subject of each outbox model.
OUTBOX_SUBJECTS = {OutboxEmail: "outbox_email", GradebookScore: "gradebook_score"}


def retry_delivery(actor: Membership, item: OutboxEmail | GradebookScore) -> bool:
    """Make a waiting or failed e-mail or score due at once (``outbox.retry_now``).

    For a score, the administrator's "now" also closes its platform's back-off: they retry
    because they know the platform is back. Return whether the item is due now (False when a
    runner was sending it at that moment, or it was delivered meanwhile: nothing changed).
    """
    before = (item.status, item.attempts)
    outbox.retry_now(item)
    is_due = str(item.status) == "queued" and item.attempts == 0
    if isinstance(item, GradebookScore) and is_due:
        db.session.execute(
            delete(DeliveryBackoff).where(DeliveryBackoff.key == gradebook_platform_key(item))
        )
    record_event(
        actor.course_id,
        actor,
        OUTBOX_SUBJECTS[type(item)],
        item.id,
        "retry_now",
        was=[str(before[0]), before[1]],
        is_due=is_due,
    )
    return is_due


def give_up_delivery(actor: Membership, item: OutboxEmail | GradebookScore, reason: str) -> bool:
    """Stop retrying a waiting e-mail or score; it stays listed as failed with the reason."""
    outbox.give_up(item, reason)
    given_up = item.given_up_reason == reason[:500] and str(item.status) == "failed"
    record_event(
        actor.course_id,
        actor,
        OUTBOX_SUBJECTS[type(item)],
        item.id,
        "given_up",
        reason=reason[:500],
        given_up=given_up,
    )
    return given_up
