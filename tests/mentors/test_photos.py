"""A mentor's photo (§4.1): re-encoded without metadata, shown on profile and result cards,
hostile files refused with a translated error and nothing stored, erased with the person."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from lti_tool.extensions import db
from lti_tool.privacy.operations import erase_person
from tests.mentors.factories import csrf_of, enter
from tests.mentors.test_pages import PROFILE_FORM, _profile_of


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 800), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {2: (46.0, 0.0, 0.0)}  # GPS latitude
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif)
    return output.getvalue()


def _upload(browser, course_id, data: bytes, filename="me.jpg", **changes):
    url = f"/course/{course_id}/mentors/me"
    form = {**PROFILE_FORM, **changes, "csrf_token": csrf_of(browser, url)}
    form["photo"] = (io.BytesIO(data), filename)
    return browser.post(url, data=form, content_type="multipart/form-data")


def _stored_files(app) -> list[Path]:
    folder = Path(app.config["STORAGE_DIR"])
    return sorted(folder.glob("*")) if folder.exists() else []


@pytest.fixture
def storage_dir(app, tmp_path):
    app.config["STORAGE_DIR"] = str(tmp_path / "files")
    return tmp_path / "files"


def test_a_photo_is_reencoded_without_metadata_and_shown(app, launch, storage_dir):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria Rossi")
    mentor.get(f"/course/{course_id}/mentors/me")

    response = _upload(mentor, course_id, _jpeg_with_gps())

    assert response.status_code == 302
    profile = _profile_of("maria")
    assert profile.photo_key and len(_stored_files(app)) == 1
    stored = Image.open(_stored_files(app)[0])
    assert stored.format == "JPEG" and stored.size == (320, 320)
    assert not stored.getexif()  # no camera, no GPS
    learner, _ = enter(app, launch, user_id="luca")
    photo_url = f"/course/{course_id}/mentors/{profile.id}/photo"
    assert photo_url in learner.get(f"/course/{course_id}/mentors").get_data(as_text=True)
    assert photo_url in learner.get(f"/course/{course_id}/mentors/{profile.id}").get_data(
        as_text=True
    )
    served = learner.get(photo_url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == _stored_files(app)[0].read_bytes()


def _png(width: int, height: int) -> bytes:
    output = io.BytesIO()
    Image.new("1", (width, height)).save(output, "PNG", optimize=True)
    return output.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"%PDF-1.7 not an image at all", "me.jpg", "Upload a JPEG, PNG or WebP image."),
        (b"GIF89a" + b"\x00" * 100, "me.gif", "Upload a JPEG, PNG or WebP image."),
        (_png(10_000, 5_000), "bomb.png", "The image is too large (50 megapixels)"),
        (b"\xff\xd8\xff" + b"\x00" * (1024 * 1024 + 10), "big.jpg", "larger than 1.0 MB"),
    ],
    ids=["wrong-type", "gif", "50-megapixels", "oversized"],
)
def test_hostile_files_are_refused_and_nothing_is_stored(
    app, launch, storage_dir, data, filename, message
):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria Rossi")
    mentor.get(f"/course/{course_id}/mentors/me")
    before = _profile_of("maria").headline

    response = _upload(mentor, course_id, data, filename, headline="Changed headline")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page.split('id="photo-error"', 1)[1].split("</", 1)[0]
    db.session.expire_all()
    profile = _profile_of("maria")
    assert profile.photo_key is None and profile.headline == before
    assert _stored_files(app) == []


def test_the_refusal_is_translated(app, launch, storage_dir):
    mentor, course_id = enter(
        app, launch, user_id="maria", role="Community TA", name="Maria Rossi", locale="it"
    )
    mentor.get(f"/course/{course_id}/mentors/me")

    page = _upload(mentor, course_id, b"not an image").get_data(as_text=True)

    assert "Carica un&#39;immagine JPEG, PNG o WebP." in page


def test_the_owner_removes_the_photo_and_erasure_deletes_it(app, launch, storage_dir):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria Rossi")
    mentor.get(f"/course/{course_id}/mentors/me")
    _upload(mentor, course_id, _jpeg_with_gps())
    url = f"/course/{course_id}/mentors/me"

    response = mentor.post(
        url, data={**PROFILE_FORM, "remove_photo": "y", "csrf_token": csrf_of(mentor, url)}
    )

    assert response.status_code == 302
    assert _profile_of("maria").photo_key is None and _stored_files(app) == []

    _upload(mentor, course_id, _jpeg_with_gps())
    profile = _profile_of("maria")
    assert len(_stored_files(app)) == 1
    erase_person(profile.membership.user)
    db.session.commit()
    assert _stored_files(app) == []


def test_another_courses_member_cannot_fetch_a_photo(app, launch, storage_dir):
    mentor, course_id = enter(app, launch, user_id="maria", role="Community TA", name="Maria Rossi")
    mentor.get(f"/course/{course_id}/mentors/me")
    _upload(mentor, course_id, _jpeg_with_gps())
    profile = _profile_of("maria")
    stranger, other_course = enter(app, launch, user_id="eve", context_id="course-v1:Org+X+1")

    assert stranger.get(f"/course/{other_course}/mentors/{profile.id}/photo").status_code == 404
    assert stranger.get(f"/course/{course_id}/mentors/{profile.id}/photo").status_code == 401
