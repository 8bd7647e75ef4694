"""The photos of a work log: JPEG or PNG only, known by their first bytes (never
by the name or the type the phone sends), up to a size. Stored through Django's
storage under a random name (``core.storage``: the local disk or the bucket)."""

import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

MiB = 1024 * 1024
MAX_PHOTOS = 6


@dataclass(frozen=True)
class PhotoKind:
    content_type: str
    extension: str
    magic: bytes


KINDS = (
    PhotoKind("image/jpeg", ".jpg", b"\xff\xd8\xff"),
    PhotoKind("image/png", ".png", b"\x89PNG\r\n\x1a\n"),
)


def max_bytes() -> int:
    return getattr(settings, "DUIKOU_WORK_LOG_PHOTO_MAX_BYTES", 10 * MiB)


def checked_photo(upload):
    """(upload, kind) for a JPEG or PNG photo within the size limit, else the
    clerk's message as a ValidationError on the photos field."""
    limit = max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                "photos": _("%(name)s is larger than %(size)s MB.")
                % {"name": upload.name, "size": limit // MiB}
            }
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for kind in KINDS:
        if head.startswith(kind.magic):
            return upload, kind
    raise ValidationError(
        {"photos": _("%(name)s is not a JPEG or PNG photo.") % {"name": upload.name}}
    )


# The pages show each photo as a small copy (a phone's photo is 3–5 MB; on a
# village's mobile data a page of them took minutes): at most this many pixels
# on the longer side, as JPEG; the full photo opens when tapped.
SMALL_PIXELS = 640
SMALL = "small"


def served(photo, size: str = "") -> FileResponse:
    """The photo's file (``size`` "small": its small copy) as the answer to its
    page (the caller has checked the data scope); 404 when the file is gone from
    the storage."""
    if size == SMALL:
        small = small_copy(photo)
        if small is not None:
            return _answer(photo.file.storage.open(small, "rb"), "image/jpeg")
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return _answer(handle, photo.content_type)


def _answer(handle, content_type: str) -> FileResponse:
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def small_copy(photo) -> str | None:
    """The name in the storage of the photo's small copy, made on first asking
    and kept beside the photo; None when the photo cannot be read as an image
    (the photo itself is then served)."""
    storage, name = photo.file.storage, f"{photo.file.name}.{SMALL}.jpg"
    if storage.exists(name):
        return name
    try:
        with photo.file.open("rb") as handle, Image.open(handle) as image:
            # The phone's orientation (EXIF), then at most SMALL_PIXELS a side.
            image = ImageOps.exif_transpose(image).convert("RGBA")
            image.thumbnail((SMALL_PIXELS, SMALL_PIXELS))
            # JPEG has no transparency: a PNG's transparent parts on white, as
            # the page shows them (not black).
            image = Image.alpha_composite(
                Image.new("RGBA", image.size, "white"), image
            ).convert("RGB")
            data = io.BytesIO()
            image.save(data, "JPEG", quality=80, optimize=True)
    except FileNotFoundError:
        raise Http404 from None
    except (OSError, ValueError, Image.DecompressionBombError):
        log.warning("work log photo %s: no small copy", photo.pk, exc_info=True)
        return None
    return storage.save(name, ContentFile(data.getvalue()))
