"""Platforms the tool trusts, their deployments, the tool's own keys and course placements (§6)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, UTCDateTime

if TYPE_CHECKING:
    from ..people.models import Course


class Registration(Timestamped, db.Model):
    """A platform (LMS) registered with one client id; one issuer may hold several."""

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    auth_audience: Mapped[str | None] = mapped_column(String(1000))
    keyset_url: Mapped[str] = mapped_column(String(1000))
    product_family_code: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)
    auto_activate_deployments: Mapped[bool] = mapped_column(default=False)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="Deployment.id"
    )

    @property
    def label(self) -> str:
        """Name an admin recognises: the given name, else issuer and client id."""
        return self.name or f"{self.issuer} ({self.client_id})"


class Deployment(Timestamped, db.Model):
    """One installation of a registration in the platform; inactive until an admin activates it."""

    __tablename__ = "deployment"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=False)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="deployments")


class ToolKey(Timestamped, db.Model):
    """An RSA key pair the tool signs with; listed in the JWKS until it is retired."""

    __tablename__ = "tool_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    retire_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


#: What a launch sets on a resource link (``lti.operations.link_values``).
LINK_COLUMNS = ("title", "activity", "lineitem_url", "lineitems_url", "ags_scopes")


class ResourceLink(Timestamped, db.Model):
    """A placement of one of the tool's activities in a course, with its gradebook line item."""

    __tablename__ = "resource_link"
    __table_args__ = (UniqueConstraint("course_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500), default="")
    activity: Mapped[str] = mapped_column(String(50))
    lineitem_url: Mapped[str | None] = mapped_column(String(1000))
    lineitems_url: Mapped[str | None] = mapped_column(String(1000))
    ags_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)

    course: Mapped[Course] = relationship()
