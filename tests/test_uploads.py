"""Evidence uploads: checked by content, size-limited, stored under random names without
photo metadata, and served only to those who may see the activity."""

import io
import os

import pytest
import sqlalchemy as sa
from PIL import Image

from charity.extensions import db
from charity.projects.models import Evidence
from tests.access_teams import build_scenario, png_bytes


@pytest.fixture
def sc(app, world):
    return build_scenario(app, world)


def _stored_files(app):
    folder = os.path.join(app.instance_path, "uploads")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def _evidence_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Evidence))


def _upload(client, sc, data, name):
    return client.submit(f"/activities/{sc.activity_a}/evidence", {"file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data")


def jpeg_with_gps():
    image = Image.new("RGB", (3000, 2000), (30, 140, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 39.0, 12.5)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("data,name", [
    (b"<html><script>alert(1)</script></html>", "photo.jpg"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "picture.png"),
    (b"MZ\x90\x00 not a photo", "sheet.pdf"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "broken.png"),
    (b"\xff\xd8\xff\xe0 truncated jpeg", "broken.jpg"),
    (b"", "empty.png"),
])
def test_content_not_allowed_is_refused_and_nothing_stored(app, login_as, sc, data, name):
    leader = login_as("leader")
    files, rows = _stored_files(app), _evidence_count(app)
    r = _upload(leader, sc, data, name)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "invalid-feedback" in body
    assert _stored_files(app) == files and _evidence_count(app) == rows


def test_oversized_file_is_refused(app, login_as, sc):
    app.config["UPLOAD_MAX_BYTES"] = 2000
    leader = login_as("leader")
    files, rows = _stored_files(app), _evidence_count(app)
    big = png_bytes(size=(200, 200)) + b"\x00" * 5000
    r = _upload(leader, sc, big, "big.png")
    assert r.status_code == 422 and "MB" in r.get_data(as_text=True)
    assert _stored_files(app) == files and _evidence_count(app) == rows


def test_request_over_the_whole_limit_is_413(app, login_as, sc):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    leader = login_as("leader")
    files = _stored_files(app)
    r = _upload(leader, sc, b"\x89PNG\r\n\x1a\n" + b"\x00" * 20_000, "huge.png")
    assert r.status_code == 413
    assert _stored_files(app) == files


@pytest.mark.parametrize("name", ["../../../etc/passwd.png", "..\\..\\windows\\win.ini.png",
                                  "/abs/path/x.png", "a\x00b.png", "....png"])
def test_file_names_with_path_tricks_are_never_used_as_paths(app, login_as, sc, name):
    leader = login_as("leader")
    before = set(_stored_files(app))
    r = _upload(leader, sc, png_bytes(), name)
    assert r.status_code in (302, 422)
    after = set(_stored_files(app))
    if r.status_code == 302:
        (new,) = after - before
        assert len(new) == 36 and new.endswith(".png") and "/" not in new
        with app.app_context():
            row = db.session.scalar(sa.select(Evidence).where(Evidence.stored_name == new))
            assert "/" not in row.original_name and "\\" not in row.original_name
            assert ".." not in row.original_name.replace("....", "")
    else:
        assert after == before
    # nothing was written outside the uploads folder
    assert not os.path.exists(os.path.join(app.instance_path, "etc"))


def test_allowed_photo_is_stripped_and_served_only_to_allowed_users(app, login_as, sc):
    leader = login_as("leader")
    r = _upload(leader, sc, jpeg_with_gps(), "IMG_0001.JPG")
    assert r.status_code == 302
    with app.app_context():
        evidence = db.session.scalars(sa.select(Evidence).order_by(Evidence.id.desc())).first()
        evidence_id = evidence.id
        assert evidence.content_type == "image/jpeg" and evidence.original_name == "IMG_0001.JPG"
        path = os.path.join(app.instance_path, "uploads", evidence.stored_name)
    with Image.open(path) as stored:
        assert max(stored.size) <= app.config["UPLOAD_IMAGE_MAX_SIDE"]
        exif = stored.getexif()
        assert 0x8825 not in exif and not exif.get_ifd(0x8825)
    for username in ("leader", "admin", "council", "auditor"):
        response = login_as(username).get(f"/evidence/{evidence_id}")
        assert response.status_code == 200, username
        assert response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.get_data()[:3] == b"\xff\xd8\xff"
    for username in ("volunteer", "merchant"):
        assert login_as(username).get(f"/evidence/{evidence_id}").status_code == 403
    other = login_as("other_admin")
    assert other.get(f"/evidence/{evidence_id}").status_code == 404
    assert app.test_client().get(f"/evidence/{evidence_id}").status_code == 302  # to sign-in


def test_pdf_sign_in_sheet_is_kept_and_downloaded(app, login_as, sc):
    leader = login_as("leader")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert _upload(leader, sc, pdf, "签到表.pdf").status_code == 302
    with app.app_context():
        evidence = db.session.scalars(sa.select(Evidence).order_by(Evidence.id.desc())).first()
    response = leader.get(f"/evidence/{evidence.id}")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.get_data() == pdf


def test_removing_evidence_removes_an_unshared_file(app, login_as, sc):
    leader = login_as("leader")
    with app.app_context():
        stored = db.session.get(Evidence, sc.evidence_a).stored_name
    assert stored in _stored_files(app)
    assert leader.submit(f"/evidence/{sc.evidence_a}/remove").status_code == 302
    assert stored not in _stored_files(app)
    assert leader.get(f"/evidence/{sc.evidence_a}").status_code == 404


def test_upload_to_a_submitted_activity_is_refused(app, login_as, sc):
    leader = login_as("leader")
    leader.submit(f"/activities/{sc.activity_a}/submit")
    files = _stored_files(app)
    r = _upload(leader, sc, png_bytes(), "late.png")
    assert r.status_code == 422
    assert _stored_files(app) == files
