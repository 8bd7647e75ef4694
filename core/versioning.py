"""Optimistic locking for the records people edit: a version on the row, raised by
every save, and a save refused when the row has moved on since it was read."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaleVersion(ValidationError):
    """The record was saved by someone else after this copy of it was read: nothing
    was written. ``current`` is the version the row has now."""

    def __init__(self, obj, current: int):
        super().__init__(
            _(
                "Someone else saved this record after you opened it, so your "
                "changes were not saved."
            ),
            code="stale_version",
        )
        self.obj, self.current = obj, current


class VersionedModel(models.Model):
    """A record people edit (pages, API, admin): optimistic locking. Every save of
    an existing row raises ``version`` by one, and writes only if the row still has
    the version this object was read at, checked in the UPDATE itself, so of two
    saves from the same version exactly one is written and the other raises
    ``StaleVersion``. A form or an API call sets ``version`` to the one its user
    read before saving (``core.forms.VersionedForm``, the API's If-Match)."""

    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
    )

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if self._state.adding or self.pk is None or update_fields == []:
            # A new row, or Django's "save nothing" (update_fields=[]).
            return super().save(*args, update_fields=update_fields, **kwargs)
        if update_fields is not None:
            update_fields = {*update_fields, "version"}
        read_at = self.version
        self._read_at, self.version = read_at, read_at + 1
        try:
            return super().save(*args, update_fields=update_fields, **kwargs)
        except BaseException:
            self.version = read_at
            raise
        finally:
            del self._read_at

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        read_at = getattr(self, "_read_at", None)
        if read_at is None:
            return super()._do_update(
                base_qs, using, pk_val, values, update_fields, forced_update
            )
        if super()._do_update(
            base_qs.filter(version=read_at),
            using,
            pk_val,
            values,
            update_fields,
            forced_update,
        ):
            return True
        current = base_qs.filter(pk=pk_val).values_list("version", flat=True).first()
        if current is None:
            return False  # the row is gone: Django inserts it, as for any model
        raise StaleVersion(self, current)
