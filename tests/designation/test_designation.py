"""Staff name mentors from the roster, one, several or by CSV; the person accepts or declines;
staff withdraw (issue 9, acceptance 1). Everything under the course's scope."""

from __future__ import annotations

import io
import types

import pytest
from sqlalchemy import select

from lti_tool.designation import operations
from lti_tool.designation.models import DesignationStatus, MentorDesignation
from lti_tool.extensions import db
from lti_tool.mentoring.models import ContactRequest, Mentorship, RequestStatus
from lti_tool.mentors.models import MentorProfile, MentorStatus
from lti_tool.notifications.models import Notification, OutboxEmail
from lti_tool.people.models import CourseRole
from tests.conftest import count_rows
from tests.mentoring.factories import send, start
from tests.mentoring.web import _fresh_g, sign_into
from tests.support.factories import make_course, make_member, make_mentor
from tests.support.html import input_values

PROFILE_FORM = {
    "headline": "Teaching assistant for online courses",
    "bio": "Five years of tutoring adult learners.",
    "topics": "Online tutoring, Study skills",
    "languages": ["it", "en"],
    "contact_modes": ["video"],
    "roles_offered": ["advisor"],
    "capacity": "2",
    "link_url": "",
}


@pytest.fixture
def course(app, snapshots):
    """A course with staff, a mentor, learners (one a non-editing teacher), and another course."""
    return snapshots.once((__name__, "course"), lambda: _course(app))


def _course(app):
    course = make_course()
    other = make_course("Another course")
    people = types.SimpleNamespace(
        course=course,
        staff=make_member(course, CourseRole.STAFF, name="Stella Staff"),
        oscar=make_mentor(course, name="Oscar Mentor", email="oscar@example.org"),
        nora=make_member(course, name="Nora Tutor", email="nora@example.org", locale="it"),
        luca=make_member(course, name="Luca Learner", email="luca@example.org"),
        lena=make_member(course, name="Lena Learner", email="lena@example.org"),
        ugo=make_member(course, name="Ugo Unknown"),
        foreign_staff=make_member(other, CourseRole.STAFF, name="Fabio Foreign"),
        foreign=make_member(other, name="Fiona Foreign", email="fiona@example.org"),
    )
    for member in (people.nora, people.luca, people.lena, people.ugo, people.foreign):
        member.lti_roles = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    db.session.commit()
    return people


def _csrf(person, path="/staff/mentors/designate"):
    page = person.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return input_values(page.get_data(as_text=True))["csrf_token"]


def _post(person, path, data, csrf_from="/staff/mentors/designate", **kwargs):
    token = _csrf(person, csrf_from)
    _fresh_g()
    return person.client.post(person.url(path), data={**data, "csrf_token": token}, **kwargs)


def _designation(member) -> MentorDesignation | None:
    return db.session.scalar(select(MentorDesignation).filter_by(membership_id=member.id))


def _invitations(member) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).filter_by(recipient_id=member.id, kind="mentor_invitation")
        )
    )


def test_staff_name_one_then_several_from_the_roster_and_each_is_invited(app, course):
    staff = sign_into(app, course.staff)

    page = staff.get("/staff/mentors/designate").get_data(as_text=True)
    assert "Nora Tutor" in page and "Luca Learner" in page
    assert "Oscar Mentor" not in page.split('data-testid="candidates"')[1].split("</ul>")[0]

    one = _post(staff, "/staff/mentors/designate", {"member": [str(course.nora.id)]})
    assert one.status_code == 302
    several = _post(
        staff,
        "/staff/mentors/designate",
        {"member": [str(course.luca.id), str(course.lena.id)]},
    )
    assert several.status_code == 302
    assert "2 people were named mentors" in staff.get("/staff/mentors/designate").get_data(
        as_text=True
    )

    for member in (course.nora, course.luca, course.lena):
        designation = _designation(member)
        assert designation.status == DesignationStatus.INVITED
        assert designation.designated_by_id == course.staff.id
        [notice] = _invitations(member)
        assert notice.link == f"/course/{course.course.id}/mentor-invitation"
        db.session.refresh(member)
        assert member.role == CourseRole.LEARNER  # a mentor only once they accept
    emails = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.notification_id == _invitations(course.nora)[0].id)
    ).all()
    assert [email.to_address for email in emails] == ["nora@example.org"]
    assert "Invito" in emails[0].subject or "mentor" in emails[0].subject.lower()
    assert f"/course/{course.course.id}/mentor-invitation" in emails[0].body
    # Invited people leave the list of people who can be named.
    page = staff.get("/staff/mentors/designate").get_data(as_text=True)
    candidates = page.split('data-testid="candidates"')[1].split("</ul>")[0]
    assert "Nora Tutor" not in candidates and "Ugo Unknown" in candidates


def test_a_refused_choice_names_nobody(app, course):
    staff = sign_into(app, course.staff)
    before = count_rows(MentorDesignation, Notification)

    response = _post(
        staff,
        "/staff/mentors/designate",
        {"member": [str(course.luca.id), str(course.oscar.membership_id)]},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nobody was named" in page
    assert "is a mentor of the course already" in page
    assert count_rows(MentorDesignation, Notification) == before


def test_csv_preview_shows_row_errors_and_a_bad_row_saves_nothing(app, course):
    staff = sign_into(app, course.staff)
    content = (
        "mentor\n"
        "nora@example.org\n"
        f"{course.luca.user.subject}\n"
        "nobody@example.org\n"
        "NORA@example.org\n"
        "oscar@example.org\n"
        "fiona@example.org\n"
    ).encode()
    before = count_rows(MentorDesignation, Notification)

    response = _post(
        staff,
        "/staff/mentors/designate/csv",
        {"file": (io.BytesIO(content), "mentors.csv")},
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nothing was saved" in page
    rows = {
        line: page.split(f'data-testid="csv-line-{line}"')[1].split("</tr>")[0]
        for line in (2, 3, 4, 5, 6, 7)
    }
    assert "ready" in rows[2] and "ready" in rows[3]
    assert "Nobody in this course has the e-mail or user id" in rows[4]
    assert "earlier line" in rows[5]
    assert "is a mentor of the course already" in rows[6]
    assert "Nobody in this course" in rows[7]  # a person of another course
    assert "Name these people mentors" not in page
    # Sending the bad file to the confirm step anyway still saves nothing.
    confirm = _post(staff, "/staff/mentors/designate/csv/confirm", {"content": content.decode()})
    assert confirm.status_code == 400
    assert count_rows(MentorDesignation, Notification) == before


def test_a_clean_csv_is_previewed_then_saved(app, course):
    staff = sign_into(app, course.staff)
    content = "Name;Mentor\nNora;nora@example.org\nUgo;" + course.ugo.user.subject + "\n"

    preview = _post(
        staff,
        "/staff/mentors/designate/csv",
        {"file": (io.BytesIO(content.encode()), "mentors.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert "All 2 rows can be saved." in preview.get_data(as_text=True)
    hidden = input_values(preview.get_data(as_text=True))["content"]

    saved = _post(staff, "/staff/mentors/designate/csv/confirm", {"content": hidden})

    assert saved.status_code == 302
    assert _designation(course.nora).status == DesignationStatus.INVITED
    assert _designation(course.ugo).status == DesignationStatus.INVITED
    assert _invitations(course.ugo)  # no e-mail address: the in-tool notice still arrives


def test_a_file_without_the_mentor_column_is_explained(app, course):
    staff = sign_into(app, course.staff)

    response = _post(
        staff,
        "/staff/mentors/designate/csv",
        {"file": (io.BytesIO(b"mentee\nx@example.org\n"), "m.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert "must name the column: mentor" in response.get_data(as_text=True)


def test_another_courses_staff_cannot_designate_or_withdraw_by_id(app, course):
    foreign = sign_into(app, course.foreign_staff)
    staff = sign_into(app, course.staff)
    _post(staff, "/staff/mentors/designate", {"member": [str(course.nora.id)]})
    designation = _designation(course.nora)
    before = count_rows(MentorDesignation, Notification)

    # Their own course's form, with ids of this course's people: nobody of their course.
    response = _post(foreign, "/staff/mentors/designate", {"member": [str(course.luca.id)]})
    assert response.status_code == 400
    assert "not in this course" in response.get_data(as_text=True)
    # This course's pages: they are not a member of it.
    token = _csrf(foreign)
    _fresh_g()
    for path in (
        f"/course/{course.course.id}/staff/mentors/designate",
        f"/course/{course.course.id}/staff/mentors/designations/{designation.id}/withdraw",
    ):
        answer = foreign.client.post(path, data={"csrf_token": token, "member": [course.luca.id]})
        assert answer.status_code in (401, 403)
    # A designation id of this course through their own course's address.
    withdraw = _post(foreign, f"/staff/mentors/designations/{designation.id}/withdraw", {})
    assert withdraw.status_code == 404
    assert count_rows(MentorDesignation, Notification) == before
    assert _designation(course.nora).status == DesignationStatus.INVITED
    # Learners cannot open the staff page at all.
    assert sign_into(app, course.luca).get("/staff/mentors/designate").status_code == 403


def test_the_person_accepts_completes_the_profile_and_learners_find_them(app, course):
    staff = sign_into(app, course.staff)
    _post(staff, "/staff/mentors/designate", {"member": [str(course.nora.id)]})
    nora = sign_into(app, course.nora)

    page = nora.get("/mentor-invitation").get_data(as_text=True)
    assert "Accept and complete my mentor profile" in page
    accepted = _post(
        nora, "/mentor-invitation", {"answer": "accept"}, csrf_from="/mentor-invitation"
    )

    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/course/{course.course.id}/mentors/me")
    db.session.refresh(course.nora)
    assert course.nora.role == CourseRole.MENTOR
    assert course.nora.is_designated_mentor
    profile = db.session.scalar(select(MentorProfile).filter_by(membership_id=course.nora.id))
    assert profile.status == MentorStatus.APPROVED
    assert _designation(course.nora).status == DesignationStatus.ACCEPTED
    staff_notices = db.session.scalars(
        select(Notification.kind).filter_by(recipient_id=course.staff.id)
    ).all()
    assert "mentor_invitation_accepted" in staff_notices

    saved = _post(nora, "/mentors/me", PROFILE_FORM, csrf_from="/mentors/me")
    assert saved.status_code == 302, saved.get_data(as_text=True)
    luca = sign_into(app, course.luca)
    found = luca.get("/mentors?q=tutoring").get_data(as_text=True)
    assert "Nora Tutor" in found
    # The invitation cannot be answered twice.
    again = _post(nora, "/mentor-invitation", {"answer": "decline"}, csrf_from="/mentors/me")
    assert again.status_code == 302
    assert _designation(course.nora).status == DesignationStatus.ACCEPTED


def test_declining_leaves_the_person_a_learner_and_tells_staff(app, course):
    staff = sign_into(app, course.staff)
    _post(staff, "/staff/mentors/designate", {"member": [str(course.luca.id)]})
    luca = sign_into(app, course.luca)

    response = _post(
        luca, "/mentor-invitation", {"answer": "decline"}, csrf_from="/mentor-invitation"
    )

    assert response.status_code == 302
    db.session.refresh(course.luca)
    assert (course.luca.role, course.luca.is_designated_mentor) == (CourseRole.LEARNER, False)
    assert _designation(course.luca).status == DesignationStatus.DECLINED
    assert db.session.scalar(select(MentorProfile).filter_by(membership_id=course.luca.id)) is None
    kinds = db.session.scalars(select(Notification.kind).filter_by(recipient_id=course.staff.id))
    assert "mentor_invitation_declined" in list(kinds)
    # Staff may invite again later; the same row reopens.
    _post(staff, "/staff/mentors/designate", {"member": [str(course.luca.id)]})
    assert _designation(course.luca).status == DesignationStatus.INVITED
    assert count_rows(MentorDesignation)["mentor_designation"] == 1


def test_withdrawing_an_invitation_and_an_accepted_designation(app, course):
    staff = sign_into(app, course.staff)
    _post(staff, "/staff/mentors/designate", {"member": [str(course.nora.id), str(course.ugo.id)]})
    operations.accept_invitation(course.nora)
    db.session.commit()
    profile = db.session.scalar(select(MentorProfile).filter_by(membership_id=course.nora.id))
    waiting = send(course.luca, profile)
    handed = start(course.lena, profile)
    db.session.commit()

    invited = _post(
        staff, f"/staff/mentors/designations/{_designation(course.ugo).id}/withdraw", {}
    )
    assert invited.status_code == 302
    assert _designation(course.ugo).status == DesignationStatus.WITHDRAWN

    # An accepted designation first shows what ends, as excluding a mentor does.
    path = f"/staff/mentors/designations/{_designation(course.nora).id}/withdraw"
    confirm = staff.get(path).get_data(as_text=True)
    assert "Withdraw Nora Tutor" in confirm
    assert "1 request waiting for their answer is closed" in confirm
    assert f'name="handover-{handed.id}"' in confirm
    accepted = _post(staff, path, {f"handover-{handed.id}": str(course.oscar.id)}, csrf_from=path)

    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    assert _designation(course.nora).status == DesignationStatus.WITHDRAWN
    db.session.expire_all()
    nora = db.session.get(type(course.nora), course.nora.id)
    assert (nora.role, nora.is_designated_mentor) == (CourseRole.LEARNER, False)
    assert db.session.get(MentorProfile, profile.id).status == MentorStatus.EXCLUDED
    assert db.session.get(ContactRequest, waiting.id).status != RequestStatus.PENDING
    assert db.session.get(Mentorship, handed.id).status.value != "active"
    taken_over = db.session.scalar(
        select(Mentorship).filter_by(mentee_id=course.lena.id, mentor_id=course.oscar.id)
    )
    assert taken_over is not None and taken_over.status.value == "active"
    kinds = set(
        db.session.scalars(select(Notification.kind).filter_by(recipient_id=course.nora.id))
    )
    assert "mentor_designation_withdrawn" in kinds
    assert "mentor_invitation_withdrawn" in set(
        db.session.scalars(select(Notification.kind).filter_by(recipient_id=course.ugo.id))
    )
    # Nora's next launch keeps her a learner: the platform's Learner role decides again.
    assert db.session.get(type(course.nora), course.nora.id).role == CourseRole.LEARNER
    # Withdrawing twice is explained, not repeated.
    twice = _post(staff, path, {}, csrf_from="/staff/mentors/designate")
    assert twice.status_code == 409


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"member": [str(2**63)]}, "not in this course"),
        ({"member": ["-1"]}, "not in this course"),
        ({}, "Choose at least one person."),
    ],
    ids=["beyond-the-id-column", "negative", "nobody-ticked"],
)
def test_bad_choices_are_explained_and_save_nothing(app, course, data, message):
    staff = sign_into(app, course.staff)
    before = count_rows(MentorDesignation, Notification)

    response = _post(staff, "/staff/mentors/designate", data)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count_rows(MentorDesignation, Notification) == before


def test_a_file_with_control_characters_is_refused_before_any_query(app, course):
    staff = sign_into(app, course.staff)

    response = _post(
        staff,
        "/staff/mentors/designate/csv",
        {"file": (io.BytesIO(b"mentor\nnora\x00@example.org\n"), "m.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)
    assert count_rows(MentorDesignation)["mentor_designation"] == 0


def test_open_edx_mentor_roles_keep_working_and_need_no_designation(app, launch):
    from tests.mentors.factories import enter

    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria")
    staff, _ = enter(app, launch, user_id="teacher", role="staff", name="Tina")
    enter(app, launch, user_id="luca", name="Luca")

    page = staff.get(f"/course/{course_id}/staff/mentors/designate").get_data(as_text=True)

    candidates = page.split('data-testid="candidates"')[1].split("</ul>")[0]
    assert "Luca" in candidates and "Maria" not in candidates
    maria = db.session.scalar(select(MentorDesignation).join(MentorDesignation.membership).limit(1))
    assert maria is None  # nobody was designated: Open edX's role made Maria a mentor
    assert mentor.get(f"/course/{course_id}/mentors/me").status_code == 200
