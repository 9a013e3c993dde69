"""pylti1p3's configuration interface, answered from the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration as LtiRegistration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import and_, bindparam, select

from ..database import DirectStatement
from ..extensions import db
from ..people.operations import launch_row_parameters, with_launch_rows
from ..platforms.claims import Claim
from ..platforms.models import Deployment, Registration
from . import keys, operations


class InactiveDeployment(Exception):
    """A signed launch came from a deployment an admin has not activated yet."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(deployment.deployment_id)
        self.deployment = deployment


@dataclass(frozen=True)
class LaunchDeployment:
    """The deployment a launch was validated against, as the launch needs it."""

    id: int
    issuer: str
    is_active: bool


class ToolRegistration(LtiRegistration):
    """pylti1p3's registration, signing with the newest stored tool key under its own kid.

    The key is read only when something is signed (deep-linking responses, service tokens):
    logins and launches verify the platform's signature and never need it.
    """

    _kid: str | None = None

    def _load_signing_key(self) -> None:
        key = operations.signing_key()
        self._kid = key.kid
        if self._tool_private_key is None:
            # A loaded key object, not PEM text: PyJWT would parse the PEM on every signature.
            self.set_tool_private_key(keys.load_private_key(key.private_key_pem))  # type: ignore[arg-type]

    def get_kid(self) -> str:
        """Return the kid of the signing key (pylti1p3 would derive another from the PEM)."""
        if self._kid is None:
            self._load_signing_key()
        assert self._kid is not None
        return self._kid

    def get_tool_private_key(self) -> Any:
        """Return the loaded signing key."""
        if self._tool_private_key is None:
            self._load_signing_key()
        return super().get_tool_private_key()


class DatabaseToolConf(ToolConfAbstract):
    """Registrations, deployments and tool keys from the database; many client ids per issuer.

    Built once per login or launch: pylti1p3 asks for the same registration several times, so
    each is read once per instance.
    """

    def __init__(self) -> None:
        super().__init__()
        self._registration_rows: dict[tuple[str, str | None], Any] = {}
        #: The deployment the launch was validated against (read once, reused by the view).
        self.deployment: LaunchDeployment | None = None
        self._deployments: dict[tuple[int, str], LaunchDeployment] = {}

    def check_iss_has_one_client(self, iss: str) -> bool:
        """Every issuer may have several client ids."""
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        """Every issuer may have several client ids."""
        return True

    def registration_row(
        self, iss: str, client_id: str | None, *, launch: Mapping[str, Any] | None = None
    ) -> Any:
        """Return the active registration of issuer and client id as a row of its columns
        (``Registration``'s names), if any.

        A login request without a client id is accepted only when the issuer has exactly one.
        With a ``launch``'s claims, its deployment and the rows the launch brings up to date
        (``people.operations.with_launch_rows``) are read in the same statement.
        """
        key = (iss, client_id or None)
        deployment_id = launch.get(Claim.DEPLOYMENT_ID) if launch is not None else None
        if key not in self._registration_rows:
            if client_id and launch is not None and isinstance(deployment_id, str):
                row = _LAUNCH_REGISTRATION.first(
                    {
                        "issuer": iss,
                        "client_id": client_id,
                        "deployment_id": deployment_id,
                        **launch_row_parameters(launch),
                    },
                )
                if row is not None and row.deployment_pk is not None:
                    self._deployments[(row.id, deployment_id)] = LaunchDeployment(
                        row.deployment_pk, row.issuer, row.deployment_is_active
                    )
            elif client_id:
                row = _LOGIN_REGISTRATION.first({"issuer": iss, "client_id": client_id})
            else:
                rows = db.session.execute(
                    _login_registration_statement(without_client=True).limit(2), {"issuer": iss}
                ).all()
                row = rows[0] if len(rows) == 1 else None
            self._registration_rows[key] = row
        return self._registration_rows[key]

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        """Not used: a client id is always required to find a registration."""
        return None

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        """Return pylti1p3's view of the registration, signed with the newest tool key."""
        row = self.registration_row(iss, client_id)
        if row is None:
            return None
        return self.to_lti_registration(row)

    @staticmethod
    def to_lti_registration(row: Registration) -> LtiRegistration:
        """Build pylti1p3's registration object for a row (the signing key loads on use)."""
        registration = ToolRegistration()
        registration.set_issuer(row.issuer).set_client_id(row.client_id).set_auth_login_url(
            row.auth_login_url
        ).set_auth_token_url(row.auth_token_url).set_key_set_url(row.keyset_url)
        if row.auth_audience:
            registration.set_auth_audience(row.auth_audience)
        return registration

    def find_deployment(self, iss: str, deployment_id: str) -> Any:
        """Not used: deployments are always looked up with their client id."""
        return None

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        """Return the active deployment; record an unknown one and refuse an inactive one."""
        row = self.registration_row(iss, client_id)
        if row is None:
            return None
        deployment = self._deployments.get((row.id, deployment_id))
        if deployment is None:
            recorded = operations.record_deployment(
                db.session.get_one(Registration, row.id), deployment_id
            )
            deployment = LaunchDeployment(recorded.id, row.issuer, recorded.is_active)
        self.deployment = deployment
        if not deployment.is_active:
            raise InactiveDeployment(db.session.get_one(Deployment, deployment.id))
        return LtiDeployment().set_deployment_id(deployment_id)

    def get_jwks(self, iss: str | None = None, client_id: str | None = None, **kwargs: Any) -> Any:
        """Return the public keys of every unretired tool key."""
        return {"keys": [key.public_jwk for key in operations.current_keys()]}


#: The registration's columns, as launches and logins read them (no ORM object).
_REGISTRATION_COLUMNS = (
    "id",
    "name",
    "issuer",
    "client_id",
    "auth_login_url",
    "auth_token_url",
    "auth_audience",
    "keyset_url",
    "product_family_code",
    "is_active",
    "auto_activate_deployments",
)


def _launch_registration_statement() -> Any:
    """A launch's active registration with its deployment and the launch's user, course,
    membership and resource link."""
    registration, deployment = Registration.__table__.c, Deployment.__table__.c
    query = (
        select(
            *(registration[name] for name in _REGISTRATION_COLUMNS),
            deployment.id.label("deployment_pk"),
            deployment.is_active.label("deployment_is_active"),
        )
        .select_from(Registration.__table__)
        .outerjoin(
            Deployment.__table__,
            and_(
                deployment.registration_id == registration.id,
                deployment.deployment_id == bindparam("deployment_id"),
            ),
        )
        .where(
            registration.issuer == bindparam("issuer"),
            registration.client_id == bindparam("client_id"),
            registration.is_active.is_(True),
        )
    )
    return with_launch_rows(query, deployment.id, registration.issuer)


def _login_registration_statement(*, without_client: bool = False) -> Any:
    """A login's active registration of issuer (and client id)."""
    registration = Registration.__table__.c
    query = select(*(registration[name] for name in _REGISTRATION_COLUMNS)).where(
        registration.issuer == bindparam("issuer"), registration.is_active.is_(True)
    )
    if without_client:
        return query.order_by(registration.id)
    return query.where(registration.client_id == bindparam("client_id"))


#: The statements of every launch and login, built once and run straight on the database
#: driver (``database.DirectStatement``: SQLAlchemy's execution cost more than running them).
_LAUNCH_REGISTRATION = DirectStatement(_launch_registration_statement())
_LOGIN_REGISTRATION = DirectStatement(_login_registration_statement())
