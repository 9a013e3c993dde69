"""The tool's RSA signing keys: generation, a per-process cache of loaded keys, and JWKS."""

from __future__ import annotations

import functools
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK


def generate_private_key_pem(key_size: int) -> str:
    """Return a new RSA private key as unencrypted PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_jwk(private_key_pem: str, kid: str) -> dict[str, Any]:
    """Return the public JWK of a private key, with ``kid``, ``alg`` and ``use`` set."""
    jwk = JWK.from_pem(private_key_pem.encode()).export_public(as_dict=True)
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return jwk


@functools.lru_cache(maxsize=16)
def load_private_key(private_key_pem: str) -> rsa.RSAPrivateKey:
    """Load a PEM once per process: validation on load costs tens of milliseconds."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key
