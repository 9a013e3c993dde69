"""The console's outbox: what failed, with the platform's or mail server's words (issue 13)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lti_tool.audit import MentoringEvent
from lti_tool.extensions import db
from lti_tool.gradebook.models import GradebookScore, ScoreStatus
from lti_tool.lti import operations as lti_operations
from lti_tool.models_base import utcnow
from lti_tool.notifications.models import EmailStatus, Notification, OutboxEmail
from lti_tool.people.models import Course, Membership, User
from lti_tool.platforms.models import ResourceLink


def _failing_score(course: Course, member: Membership, message: str) -> GradebookScore:
    link = ResourceLink(course=course, resource_link_id=f"link-{message}", activity="reflection")
    db.session.add(link)
    db.session.flush()
    score = GradebookScore(
        course_id=course.id,
        resource_link_id=link.id,
        membership_id=member.id,
        activity="reflection",
        user_subject=member.user.subject,
        score_given=100,
        score_maximum=100,
        activity_progress="Completed",
        grading_progress="FullyGraded",
        attempts=3,
        status=ScoreStatus.QUEUED,
        next_attempt_at=utcnow() - timedelta(minutes=10),
        last_status=500,
        last_error=message,
    )
    db.session.add(score)
    return score


def _failing_email(member: Membership, address: str) -> OutboxEmail:
    notice = Notification(course_id=member.course_id, recipient_id=member.id, kind="test")
    db.session.add(notice)
    db.session.flush()
    email = OutboxEmail(
        notification_id=notice.id,
        to_address=address,
        subject="A request",
        body="…",
        status=EmailStatus.QUEUED,
        attempts=2,
        last_error="421 4.7.0 Try again later",
    )
    db.session.add(email)
    return email


def _platform_b_member() -> Membership:
    registration = lti_operations.add_registration(
        issuer="https://other-lms.test",
        client_id="other-client",
        auth_login_url="https://other-lms.test/auth",
        auth_token_url="https://other-lms.test/token",
        keyset_url="https://other-lms.test/jwks",
        deployment_ids=["b-1"],
    )
    course = Course(deployment=registration.deployments[0], context_id="b-course", title="B")
    user = User(issuer=registration.issuer, subject="b-user", name="Bianca")
    member = Membership(course=course, user=user, role="learner")
    db.session.add(member)
    db.session.flush()
    return member


def test_the_outbox_lists_failures_of_the_own_platform_only(admin):
    own = db.session.scalar(select(Membership))
    _failing_score(own.course, own, "Platform says: gradebook locked")
    _failing_email(own, "own@example.org")
    foreign = _platform_b_member()
    _failing_score(foreign.course, foreign, "Foreign platform secret")
    _failing_email(foreign, "foreign@example.org")
    db.session.commit()

    page = admin.get("/outbox").get_data(as_text=True)

    assert "Platform says: gradebook locked" in page and "<code>500</code>" in page
    assert "own@example.org" in page and "421 4.7.0 Try again later" in page
    assert "Foreign platform secret" not in page and "foreign@example.org" not in page


def test_the_console_shows_how_late_the_job_runner_is(admin):
    own = db.session.scalar(select(Membership))
    _failing_score(own.course, own, "late")
    db.session.commit()

    page = admin.get().get_data(as_text=True)

    assert "check that the job worker" in page


def test_give_up_keeps_the_item_listed_with_the_reason_and_is_audited(admin):
    own = db.session.scalar(select(Membership))
    email = _failing_email(own, "own@example.org")
    db.session.commit()

    answer = admin.post(f"/outbox/emails/{email.id}/give-up", {"reason": "Address left the school"})

    assert answer.status_code == 303
    db.session.expire_all()
    stored = db.session.get(OutboxEmail, email.id)
    assert stored.status == EmailStatus.FAILED
    assert stored.given_up_reason == "Address left the school"
    page = admin.get("/outbox").get_data(as_text=True)
    assert "own@example.org" in page and "Address left the school" in page
    [event] = db.session.scalars(select(MentoringEvent).filter_by(subject="outbox_email"))
    assert event.action == "given_up" and event.data["reason"] == "Address left the school"


def test_giving_up_needs_a_reason(admin):
    own = db.session.scalar(select(Membership))
    email = _failing_email(own, "own@example.org")
    db.session.commit()

    answer = admin.post(f"/outbox/emails/{email.id}/give-up", {"reason": "  "})

    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(OutboxEmail, email.id).status == EmailStatus.QUEUED
    assert "Say why" in admin.client.get(answer.headers["Location"]).get_data(as_text=True)


def test_retry_now_makes_a_failed_email_due_again(admin):
    own = db.session.scalar(select(Membership))
    email = _failing_email(own, "own@example.org")
    email.status = EmailStatus.FAILED
    db.session.commit()

    admin.post(f"/outbox/emails/{email.id}/retry")

    db.session.expire_all()
    stored = db.session.get(OutboxEmail, email.id)
    assert (stored.status, stored.attempts) == (EmailStatus.QUEUED, 0)
    assert stored.next_attempt_at <= utcnow()


def test_an_admin_cannot_retry_or_give_up_another_platforms_items(admin):
    foreign = _platform_b_member()
    score = _failing_score(foreign.course, foreign, "Foreign platform secret")
    email = _failing_email(foreign, "foreign@example.org")
    db.session.commit()
    before = (score.attempts, score.next_attempt_at, email.attempts)

    answers = [
        admin.post(f"/outbox/scores/{score.id}/retry").status_code,
        admin.post(f"/outbox/scores/{score.id}/give-up", {"reason": "x"}).status_code,
        admin.post(f"/outbox/emails/{email.id}/retry").status_code,
        admin.post(f"/outbox/emails/{email.id}/give-up", {"reason": "x"}).status_code,
    ]

    assert answers == [404, 404, 404, 404]
    db.session.expire_all()
    score, email = db.session.get(GradebookScore, score.id), db.session.get(OutboxEmail, email.id)
    assert (score.attempts, score.next_attempt_at, email.attempts) == before
    assert score.status == ScoreStatus.QUEUED and email.status == EmailStatus.QUEUED
    assert list(db.session.scalars(select(MentoringEvent))) == []


def test_outbox_actions_need_the_csrf_token(admin):
    own = db.session.scalar(select(Membership))
    email = _failing_email(own, "own@example.org")
    db.session.commit()

    answer = admin.client.post(
        admin.url(f"/outbox/emails/{email.id}/give-up"), data={"reason": "x"}
    )

    assert answer.status_code == 400
    db.session.expire_all()
    assert db.session.get(OutboxEmail, email.id).status == EmailStatus.QUEUED


def test_the_console_shows_when_the_job_runner_last_ran(admin, runner):
    assert "never" in admin.get().get_data(as_text=True)

    result = runner.invoke(args=["jobs", "run-due"])

    assert result.exit_code == 0, result.output
    page = admin.get().get_data(as_text=True)
    registration_facts = page.split('data-testid="runner"')[1].split("</dl>")[0]
    assert "never" not in registration_facts and "20" in registration_facts
