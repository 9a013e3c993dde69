"""RSA keys generated once per test session (generation is slow; tests must stay fast)."""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives import serialization

from lti_tool.lti.keys import generate_private_key_pem, load_private_key


@functools.cache
def private_pem(name: str) -> str:
    """Return a 2048-bit private key PEM, the same one for a name during the session."""
    return generate_private_key_pem(2048)


def public_pem(name: str) -> str:
    """Return the public PEM of a named session key."""
    key = load_private_key(private_pem(name))
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
