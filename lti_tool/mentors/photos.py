"""A mentor's optional photo (§4.1): checked, re-encoded and resized before it is kept.

An upload is decoded only after its header proved it a JPEG, PNG or WebP image of a sane size,
so a decompression bomb is refused before it costs memory; what is kept is a new JPEG of at
most ``photo_size`` pixels a side, without any of the original's metadata (EXIF, GPS, ICC).
"""

from __future__ import annotations

import io
import warnings

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .. import storage
from ..audit import record_event
from ..extensions import db
from ..people.models import Membership
from .models import MentorProfile
from .operations import ProfileError, require_owner

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


def prepare_photo(data: bytes) -> bytes:
    """Return the upload as a square JPEG without metadata, or raise ProfileError."""
    config = current_app.config
    if len(data) > config["PHOTO_MAX_BYTES"]:
        raise ProfileError(
            {
                "photo": _(
                    "The photo is larger than %(size)s MB: choose a smaller one.",
                    size=round(config["PHOTO_MAX_BYTES"] / 1024 / 1024, 1),
                )
            }
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            if image.format not in ACCEPTED_FORMATS:
                raise ProfileError({"photo": _("Upload a JPEG, PNG or WebP image.")})
            width, height = image.size
            if width * height > config["PHOTO_MAX_PIXELS"]:
                raise ProfileError(
                    {
                        "photo": _(
                            "The image is too large (%(megapixels)s megapixels): upload one of "
                            "at most %(limit)s megapixels.",
                            megapixels=round(width * height / 1_000_000),
                            limit=round(config["PHOTO_MAX_PIXELS"] / 1_000_000),
                        )
                    }
                )
            image.load()
    except ProfileError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise ProfileError({"photo": _("Upload a JPEG, PNG or WebP image.")}) from None
    image = ImageOps.exif_transpose(image).convert("RGB")
    side = config["PHOTO_SIZE"]
    square = ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
    output = io.BytesIO()
    square.save(output, "JPEG", quality=85, optimize=True)  # a new file: no metadata carried
    return output.getvalue()


def photo_error(data: bytes) -> str | None:
    """Return what is wrong with an upload, or None when it makes a photo."""
    try:
        prepare_photo(data)
    except ProfileError as error:
        return error.errors["photo"]
    return None


def set_photo(profile: MentorProfile, actor: Membership, data: bytes) -> MentorProfile:
    """Replace the mentor's photo with the upload (only the mentor changes their own)."""
    require_owner(profile, actor)
    encoded = prepare_photo(data)
    old_key = profile.photo_key
    key = storage.new_key(".jpg")
    storage.save(key, encoded)
    profile.photo_key = key
    record_event(profile.course_id, actor, "mentor_profile", profile.id, "photo_changed")
    db.session.flush()
    storage.delete(old_key)
    return profile


def remove_photo(profile: MentorProfile, actor: Membership) -> MentorProfile:
    """Remove the mentor's photo; initials show instead."""
    require_owner(profile, actor)
    if profile.photo_key:
        storage.delete(profile.photo_key)
        profile.photo_key = None
        record_event(profile.course_id, actor, "mentor_profile", profile.id, "photo_removed")
        db.session.flush()
    return profile
