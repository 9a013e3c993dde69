"""Type checks of the id_token claims the tool reads: refuse what a platform should never send."""

from __future__ import annotations

from typing import Any

from ..platforms.claims import Claim, MessageType

#: Claims that must be JSON objects when present, and those objects' required string ids.
_OBJECT_CLAIMS = {
    Claim.CONTEXT: "id",
    Claim.RESOURCE_LINK: "id",
    Claim.CUSTOM: None,
    Claim.LAUNCH_PRESENTATION: None,
    Claim.TOOL_PLATFORM: None,
    Claim.NRPS: None,
    Claim.AGS: None,
    Claim.DEEP_LINKING_SETTINGS: "deep_link_return_url",
}
_STRING_CLAIMS = ("sub", "nonce", "name", "given_name", "family_name", "email", "locale")
#: Longest id the tool stores (its columns' size).
MAX_ID_LENGTH = 255


#: Service URLs the tool stores, per claim (their columns hold 1000 characters).
_URL_FIELDS = {
    Claim.AGS: ("lineitem", "lineitems"),
    Claim.NRPS: ("context_memberships_url",),
}
MAX_URL_LENGTH = 1000


#: Deepest nesting of claims accepted (real launches nest three or four levels).
MAX_CLAIM_DEPTH = 20


def _nul_path(value: Any, path: str, depth: int = 0) -> str | None:
    """Return where a NUL character hides in a JSON value (databases refuse it), if anywhere.

    Values nested deeper than any launch needs are refused as well.
    """
    if depth > MAX_CLAIM_DEPTH:
        return path.split(".", 1)[0] + " (nested too deeply)"
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return path or "names"
        name = str(key).rsplit("/", 1)[-1]
        found = _nul_path(item, f"{path}.{name}" if path else name, depth + 1)
        if found:
            return found
    return None


def claim_type_problem(body: dict[str, Any]) -> str | None:
    """Return which claim has the wrong type or size, or None when every claim is usable."""
    nul = _nul_path(body, "")
    if nul:
        return f"claim {nul} contains a NUL character or is nested too deeply"
    for name in _STRING_CLAIMS:
        if name in body and not isinstance(body[name], str):
            return f"claim {name} is not a string"
    sub = body.get("sub")
    if not sub or len(sub) > MAX_ID_LENGTH:
        return "claim sub is missing or too long"
    deployment_id = body.get(Claim.DEPLOYMENT_ID)
    if not isinstance(deployment_id, str) or not deployment_id.strip():
        return "claim deployment_id is not a non-empty string"
    if len(deployment_id) > MAX_ID_LENGTH:
        return "claim deployment_id is too long"
    roles = body.get(Claim.ROLES, [])
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        return "claim roles is not an array of strings"
    for name, required_key in _OBJECT_CLAIMS.items():
        if name not in body:
            continue
        value, short = body[name], name.rsplit("/", 1)[-1]
        if not isinstance(value, dict):
            return f"claim {short} is not an object"
        if required_key:
            key = value.get(required_key)
            if not isinstance(key, str) or not key or len(key) > MAX_ID_LENGTH * 4:
                return f"claim {short} has no string {required_key}"
            if required_key == "id" and len(key) > MAX_ID_LENGTH:
                return f"claim {short} id is too long"
    for name, fields in _URL_FIELDS.items():
        service = body.get(name) or {}
        for field in fields:
            url = service.get(field)
            if url is not None and (not isinstance(url, str) or len(url) > MAX_URL_LENGTH):
                return f"claim {name.rsplit('/', 1)[-1]} has no usable {field}"
    scopes = (body.get(Claim.AGS) or {}).get("scope", [])
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        return "claim endpoint scope is not an array of strings"
    if (
        body.get(Claim.MESSAGE_TYPE) == MessageType.RESOURCE_LINK
        and Claim.RESOURCE_LINK not in body
    ):
        return "claim resource_link is missing"
    return None
