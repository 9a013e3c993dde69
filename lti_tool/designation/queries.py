"""What the designation pages show: who can be named, and the course's designations."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..mentors.models import MentorProfile, MentorStatus
from ..pagination import Pagination, paginate
from ..people.models import CourseRole, Membership, User
from .models import DesignationStatus, MentorDesignation

PAGE_SIZE = 50


def candidates_page(course_id: int, *, search: str = "", page: int = 1) -> Pagination:
    """Return one page of the course's active learners who are not mentors nor invited."""
    open_designation = (
        select(MentorDesignation.id)
        .where(
            MentorDesignation.membership_id == Membership.id,
            MentorDesignation.status == DesignationStatus.INVITED,
        )
        .exists()
    )
    condition = and_(
        Membership.course_id == course_id,
        Membership.is_active.is_(True),
        Membership.barred_at.is_(None),
        Membership.role == CourseRole.LEARNER,
        ~open_designation,
    )
    if search:
        pattern = "%" + search.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        condition = and_(
            condition,
            or_(
                func.lower(func.coalesce(User.name, "")).like(pattern),
                func.lower(func.coalesce(User.given_name, "")).like(pattern),
                func.lower(func.coalesce(User.family_name, "")).like(pattern),
                func.lower(func.coalesce(User.email, "")).like(pattern),
                User.subject == search,
            ),
        )
    base = select(Membership).join(User, User.id == Membership.user_id).where(condition)
    return paginate(
        base.options(contains_eager(Membership.user)).order_by(
            func.lower(func.coalesce(User.name, User.family_name, User.email, User.subject)),
            Membership.id,
        ),
        page,
        PAGE_SIZE,
    )


def designations(course_id: int) -> list[MentorDesignation]:
    """Return the course's designations, waiting and accepted first, newest first."""
    return list(
        db.session.scalars(
            select(MentorDesignation)
            .where(MentorDesignation.course_id == course_id)
            .options(joinedload(MentorDesignation.membership).joinedload(Membership.user))
            .order_by(MentorDesignation.designated_at.desc(), MentorDesignation.id.desc())
        )
    )


def designation_of(membership: Membership) -> MentorDesignation | None:
    """Return the member's designation in their course, if staff ever named them."""
    return db.session.scalar(
        select(MentorDesignation).filter_by(
            membership_id=membership.id, course_id=membership.course_id
        )
    )


def designation_in_course(course_id: int, designation_id: int) -> MentorDesignation | None:
    """Return a designation of this course by id."""
    return db.session.scalar(
        select(MentorDesignation).filter_by(id=designation_id, course_id=course_id)
    )


def profile_to_remove(designation: MentorDesignation) -> MentorProfile | None:
    """Return the mentor profile an accepted designation's withdrawal takes out, if any."""
    if designation.status != DesignationStatus.ACCEPTED:
        return None
    return db.session.scalar(
        select(MentorProfile).where(
            MentorProfile.membership_id == designation.membership_id,
            MentorProfile.status != MentorStatus.EXCLUDED,
        )
    )
