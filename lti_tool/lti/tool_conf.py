"""pylti1p3's configuration interface, answered from the database."""

from __future__ import annotations

import functools
from typing import Any

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration as LtiRegistration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import and_, bindparam, select

from ..extensions import db
from ..platforms.models import Deployment, Registration
from . import keys, operations


class InactiveDeployment(Exception):
    """A signed launch came from a deployment an admin has not activated yet."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(deployment.deployment_id)
        self.deployment = deployment


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
        self._registration_rows: dict[tuple[str, str | None], Registration | None] = {}
        #: The deployment row the launch was validated against (read once, reused by the view).
        self.deployment_row: Deployment | None = None
        self._deployment_rows: dict[tuple[int, str], Deployment] = {}

    def check_iss_has_one_client(self, iss: str) -> bool:
        """Every issuer may have several client ids."""
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        """Every issuer may have several client ids."""
        return True

    def registration_row(
        self, iss: str, client_id: str | None, *, deployment_id: str | None = None
    ) -> Registration | None:
        """Return the active registration of issuer and client id, if any.

        A login request without a client id is accepted only when the issuer has exactly one.
        With ``deployment_id`` the deployment is read in the same statement (a launch).
        """
        key = (iss, client_id or None)
        if key not in self._registration_rows:
            query = select(Registration).filter_by(issuer=iss, is_active=True)
            if client_id and deployment_id is not None:
                found = db.session.execute(
                    _launch_registration_statement(),
                    {"issuer": iss, "client_id": client_id, "deployment_id": deployment_id},
                ).first()
                row = found[0] if found else None
                if found is not None and found[1] is not None:
                    self._deployment_rows[(found[0].id, deployment_id)] = found[1]
            elif client_id:
                row = db.session.scalar(
                    _login_registration_statement(), {"issuer": iss, "client_id": client_id}
                )
            else:
                rows = list(db.session.scalars(query.limit(2)))
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
        deployment = self._deployment_rows.get((row.id, deployment_id))
        if deployment is None:
            deployment = operations.record_deployment(row, deployment_id)
        self.deployment_row = deployment
        if not deployment.is_active:
            raise InactiveDeployment(deployment)
        return LtiDeployment().set_deployment_id(deployment_id)

    def get_jwks(self, iss: str | None = None, client_id: str | None = None, **kwargs: Any) -> Any:
        """Return the public keys of every unretired tool key."""
        return {"keys": [key.public_jwk for key in operations.current_keys()]}


@functools.cache
def _launch_registration_statement() -> Any:
    """A launch's active registration with its deployment, built once (SQLAlchemy memoises the
    cache key of a statement object; building one per request cost more than running it)."""
    return (
        select(Registration, Deployment)
        .outerjoin(
            Deployment,
            and_(
                Deployment.registration_id == Registration.id,
                Deployment.deployment_id == bindparam("deployment_id"),
            ),
        )
        .where(
            Registration.issuer == bindparam("issuer"),
            Registration.client_id == bindparam("client_id"),
            Registration.is_active.is_(True),
        )
    )


@functools.cache
def _login_registration_statement() -> Any:
    """A login's active registration of issuer and client id, built once."""
    return select(Registration).where(
        Registration.issuer == bindparam("issuer"),
        Registration.client_id == bindparam("client_id"),
        Registration.is_active.is_(True),
    )
