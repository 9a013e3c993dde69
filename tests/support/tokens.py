"""Rewrite a platform's id_token the way an attacker or a broken platform would."""

from __future__ import annotations

from typing import Any

import jwt

from . import keys

_REMOVE = object()


def rewrite_id_token(
    id_token: str,
    *,
    key_name: str = "openedx-platform",
    kid: str = "openedx-platform-key",
    header: dict[str, Any] | None = None,
    unsigned: bool = False,
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """Decode a token without checking it, change claims, and sign it again (or not at all)."""
    body = jwt.decode(id_token, options={"verify_signature": False})
    body.update(claims)
    for name in drop:
        body.pop(name, None)
    if unsigned:
        return jwt.encode(body, None, algorithm="none")
    return jwt.encode(
        body,
        keys.load_private_key(keys.private_pem(key_name)),
        algorithm="RS256",
        headers={"kid": kid, **(header or {})},
    )
