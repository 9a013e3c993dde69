"""Where uploaded files live: one folder set by ``storage_dir`` (instance/files by default).

Files are addressed by a key the tool generates (never a name a person chose), so a key can be
shown in a URL without exposing the folder's layout.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app

KEY_ALPHABET = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def new_key(suffix: str) -> str:
    """Return a fresh, unguessable key for a file with this suffix (e.g. ``.jpg``)."""
    return secrets.token_urlsafe(18).lower().replace("-", "x").replace("_", "y") + suffix


def path_of(key: str) -> Path:
    """Return the file of a key inside the storage folder (refusing anything else)."""
    if not key or set(key) - KEY_ALPHABET or key.startswith("."):
        raise ValueError(f"not a storage key: {key!r}")
    return Path(current_app.config["STORAGE_DIR"]) / key


def save(key: str, data: bytes) -> None:
    """Store the bytes under the key, atomically (a reader never sees half a file)."""
    path = path_of(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def delete(key: str | None) -> None:
    """Remove the file of a key, if it is there."""
    if key:
        path_of(key).unlink(missing_ok=True)
