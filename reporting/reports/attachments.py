"""Attachments of semester reports: photos, PDF files and Office documents.

A file's type is read from its content (magic bytes), never from its name or the
content type the browser sent; the stored name is a random token, never the user's.
An Office document is opened before it is stored: one that unpacks to too much (a
"zip bomb"), holds too many parts, is damaged or carries macros is refused.
Files live under MEDIA_ROOT, which no URL serves: downloads go through a view that
checks the data scope."""

import secrets
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from reporting.models import ReportAttachment, SemesterReport
from reporting.reports.services import can_edit

MiB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MiB
# Office documents are ZIP packages of XML and media: a real one unpacks to a few
# times its size (XML packs about 10:1, images not at all).
DEFAULT_MAX_UNPACKED_BYTES = 100 * MiB
MAX_RATIO = 100  # bytes unpacked per byte of the file
MAX_PARTS = 5000
NAME_MAX = 255
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    content_type: str
    # The extensions a file of this kind may be served under; the first is the one
    # added when the user's name has none of them.
    extensions: tuple[str, ...]


JPEG = Kind("image/jpeg", (".jpg", ".jpeg"))
PNG = Kind("image/png", (".png",))
PDF = Kind("application/pdf", (".pdf",))
DOCX = Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = Kind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
PPTX = Kind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
)
# Legacy Office (and WPS) files share one container format; the name only picks
# the label among them, once the content is known to be that container.
DOC = Kind("application/msword", (".doc", ".wps"))
XLS = Kind("application/vnd.ms-excel", (".xls", ".et"))
PPT = Kind("application/vnd.ms-powerpoint", (".ppt", ".dps"))
OLE2 = (DOC, XLS, PPT)
KINDS = (JPEG, PNG, PDF, DOCX, XLSX, PPTX, *OLE2)

OOXML = (DOCX, XLSX, PPTX)
OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Macros: the VBA project part of a macro-enabled package (.xlsm, .docm, .pptm) and
# its content types; in a legacy file, the VBA project's storage (its directory
# entry's name is UTF-16).
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")
MACRO_TYPE = b"macroenabled"
OLE2_MACRO_NAME = "_VBA_PROJECT".encode("utf-16-le")
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,  # an unknown ZIP version or compression method
    EOFError,
    OSError,
    ValueError,
    RuntimeError,  # an encrypted part
)


def max_bytes() -> int:
    return getattr(settings, "DUIKOU_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_unpacked_bytes() -> int:
    return getattr(
        settings, "DUIKOU_ATTACHMENT_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES
    )


def megabytes(size: int) -> str:
    """A size in MB, for messages: "10", "0.5"."""
    return f"{round(size / MiB, 2):g}"


def max_megabytes() -> str:
    """The size limit in MB, for messages: "10", "0.5"."""
    return megabytes(max_bytes())


def _suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def _ooxml_kind(upload) -> Kind | None:
    """Word, Excel or PowerPoint by the ZIP's central directory (nothing is
    decompressed)."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except ZIP_ERRORS:
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in OOXML_PARTS:
        if any(name.startswith(prefix) for name in names):
            return kind
    return None


def detect_kind(upload, name: str) -> Kind | None:
    """The kind of the uploaded file, read from its content; None if not accepted."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        kind = _ooxml_kind(upload)
        upload.seek(0)
        return kind
    if head.startswith(OLE2_MAGIC):
        suffix = _suffix(name)
        return next((k for k in OLE2 if suffix in k.extensions), DOC)
    return None


def check_package(upload) -> None:
    """Refuse (ValidationError) an Office package that unpacks to more than
    DUIKOU_ATTACHMENT_MAX_UNPACKED_BYTES or to more than 100 times its size, has
    more than 5,000 parts, is damaged or carries macros.

    The sizes the package declares are checked first, then every part is unpacked
    (in chunks, never more than it declared) so that its checksum proves the
    declared sizes true."""
    limit = max_unpacked_bytes()
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise ValidationError(
                    _(
                        "The document has more than %(limit)s parts, so it cannot "
                        "be attached."
                    )
                    % {"limit": MAX_PARTS},
                    code="too_many_parts",
                )
            unpacked = sum(part.file_size for part in parts)
            if unpacked > limit or unpacked > MAX_RATIO * upload.size:
                raise ValidationError(
                    _(
                        "The document unpacks to more than %(limit)s MB or is "
                        "packed unusually densely, so it cannot be attached."
                    )
                    % {"limit": megabytes(limit)},
                    code="unpacked_size",
                )
            for part in parts:
                name = part.filename.lower()
                if name.rsplit("/", 1)[-1] in MACRO_PARTS:
                    raise macros_error()
                content_types = name == "[content_types].xml"
                with archive.open(part) as stream:
                    while chunk := stream.read(READ_CHUNK):
                        if content_types and MACRO_TYPE in chunk.lower():
                            raise macros_error()
    except ZIP_ERRORS:
        raise ValidationError(
            _("The document is damaged or encrypted, so it cannot be attached."),
            code="damaged",
        ) from None
    finally:
        upload.seek(0)


def check_legacy_office(upload) -> None:
    """Refuse (ValidationError) a legacy Office file that carries a VBA project."""
    tail = b""
    try:
        for chunk in upload.chunks(READ_CHUNK):
            if OLE2_MACRO_NAME in tail + chunk:
                raise macros_error()
            tail = chunk[-len(OLE2_MACRO_NAME) :]
    finally:
        upload.seek(0)


def macros_error() -> ValidationError:
    return ValidationError(
        _(
            "Documents with macros cannot be attached. Save it as a document "
            "without macros (such as .docx or .xlsx) and attach that."
        ),
        code="macros",
    )


def clean_name(name: str) -> str:
    """The basename of the user's file name, without control characters, at most
    255 characters (the extension kept)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip() or "attachment"
    if len(name) > NAME_MAX:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        name = name[: NAME_MAX - len(suffix)] + suffix
    return name


def download_name(attachment: ReportAttachment) -> str:
    """The name to serve the file under: the user's, with an extension of the
    detected type added when it has none (a PDF named "x.exe" downloads as
    "x.exe.pdf", so it never opens as a program)."""
    name = attachment.original_name
    kind = next((k for k in KINDS if k.content_type == attachment.content_type), None)
    if kind is None or _suffix(name) in kind.extensions:
        return name
    return name + kind.extensions[0]


def attachment_list(*, report: SemesterReport):
    """The report's attachments, oldest first, with their uploaders."""
    return report.attachments.select_related("uploaded_by").order_by("created_at")


def attachments_context(*, report: SemesterReport, user) -> dict:
    """The context of the "reporting/_attachments.html" partial."""
    return {
        "report": report,
        "attachments": attachment_list(report=report),
        "can_edit": can_edit(user, report),
        "attachment_max_mb": max_megabytes(),
    }


@transaction.atomic
def attachment_add(
    *, report: SemesterReport, user, upload: UploadedFile
) -> ReportAttachment:
    """Attach an uploaded file to a report the user may edit.

    Refuses (ValidationError) a file over DUIKOU_ATTACHMENT_MAX_BYTES or whose content
    is not a JPEG or PNG image, a PDF or an Office document, and an Office document
    that unpacks to too much, is damaged or carries macros; nothing is stored then."""
    if not can_edit(user, report):
        raise PermissionDenied(_("This report cannot be edited now."))
    if upload.size > max_bytes():
        raise ValidationError(
            _("The file is too large: at most %(limit)s MB can be attached.")
            % {"limit": max_megabytes()},
            code="too_large",
        )
    name = clean_name(upload.name)
    kind = detect_kind(upload, name)
    if kind is None:
        raise ValidationError(
            _(
                "This kind of file cannot be attached. Attach photos (JPEG or PNG), "
                "PDF files or Word, Excel or PowerPoint documents."
            ),
            code="file_type",
        )
    if kind in OOXML:
        check_package(upload)
    elif kind in OLE2:
        check_legacy_office(upload)
    attachment = ReportAttachment(
        report=report,
        token=secrets.token_hex(20),
        original_name=name,
        content_type=kind.content_type,
        size=upload.size,
        uploaded_by=user,
    )
    # upload_to builds the stored name from the token; the user's name is not used.
    attachment.file.save(attachment.token, upload, save=False)
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: ReportAttachment, user) -> None:
    """Remove an attachment of a report the user may edit, and its file once the
    deletion is committed."""
    if not can_edit(user, attachment.report):
        raise PermissionDenied(_("This report cannot be edited now."))
    storage, stored = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))
