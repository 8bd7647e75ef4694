"""The photos of a work log: JPEG or PNG only, known by their first bytes (never
by the name or the type the phone sends), up to a size. Stored through Django's
storage under a random name (``core.storage``: the local disk or the bucket)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

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


def served(photo) -> FileResponse:
    """The photo's file as the answer to its page (the caller has checked the
    data scope); 404 when the file is gone from the storage."""
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
