"""Where files live: attachments in the "default" storage, export workbooks in the
"exports" storage (``settings.STORAGES``). Code reaches files only through these, so
that a deployment with several web and worker hosts can put them in an S3-compatible
store (``DUIKOU_S3_BUCKET``) without a change here."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.functional import cached_property


class ExportFileStorage(FileSystemStorage):
    """Export workbooks on the local file system, under ``EXPORT_ROOT`` (followed when
    the setting changes, as the default storage follows ``MEDIA_ROOT``)."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.EXPORT_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "EXPORT_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def exports():
    return storages["exports"]
