"""Evidence files: checked by content (never by name), size-limited, images re-encoded
without their metadata (a phone photo's EXIF carries the GPS position of residents'
homes) and scaled down, stored under ``instance/uploads/`` with random names.
"""

import io
import os
import re
import secrets
from urllib.parse import quote

from flask import Response, abort, current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from charity.projects.errors import InvalidUpload  # noqa: F401  (callers use the names here too)

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
_STORED = re.compile(r"^[0-9a-f]{32}\.(jpg|png|pdf)$")


def upload_folder():
    path = os.path.join(current_app.instance_path, "uploads")
    os.makedirs(path, exist_ok=True)
    return path


def clean_name(name):
    """A file name for display only: the last path part, no control or odd characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip(" .")
    return name[:120] or "file"


def sniff(data):
    """The content type of ``data`` by its first bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _reencode(data, content_type):
    """The image decoded and saved again: no EXIF, upright, at most UPLOAD_IMAGE_MAX_SIDE."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            fmt = "JPEG" if content_type == "image/jpeg" else "PNG"
            if image.format != fmt:
                raise InvalidUpload(_l("The file is not a readable photo."))
            image = ImageOps.exif_transpose(image)
            side = current_app.config["UPLOAD_IMAGE_MAX_SIDE"]
            image.thumbnail((side, side))
            out = io.BytesIO()
            if fmt == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            else:
                image.save(out, "PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidUpload(_l("The file is not a readable photo.")) from exc


def check(data):
    """``(content_type, bytes to store)`` for an allowed upload.

    :raises InvalidUpload: empty, too large, or not a JPEG, PNG or PDF by content.
    """
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    if not data:
        raise InvalidUpload(_l("The file is empty."))
    if len(data) > limit:
        raise InvalidUpload(_l("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    content_type = sniff(data)
    if content_type is None:
        raise InvalidUpload(_l("Only photos (JPEG, PNG) and PDF scans can be uploaded."))
    if content_type != "application/pdf":
        data = _reencode(data, content_type)
    return content_type, data


def store(data, content_type):
    """Write ``data`` under a new random name; returns the name."""
    name = secrets.token_hex(16) + EXTENSIONS[content_type]
    path = os.path.join(upload_folder(), name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return name


def path_of(stored_name):
    """The stored file's path; the name comes from the database and is checked anyway."""
    if not _STORED.match(stored_name):
        raise ValueError("not a stored upload name")
    return os.path.join(upload_folder(), stored_name)


def send_stored(stored_name, content_type, original_name, *, inline=None):
    """The response serving a stored upload, once the caller has checked who may see it:
    images inline, other files as a download, under their original name; 404 when the
    file is gone. Read whole (at most ``UPLOAD_MAX_BYTES``), so no file stays open if the
    client goes away."""


    try:
        with open(path_of(stored_name), "rb") as fh:
            data = fh.read()
    except (ValueError, FileNotFoundError):
        abort(404)
    if inline is None:
        inline = content_type.startswith("image/")
    response = Response(data, mimetype=content_type)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(original_name)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def remove(stored_name):
    try:
        os.unlink(path_of(stored_name))
    except FileNotFoundError:
        pass
