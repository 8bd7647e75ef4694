from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    """An import's life: checked in the background (a dry run that writes nothing),
    then applied when the user confirms, and perhaps undone."""

    CHECKING = "checking", _("checking")
    CHECKED = "checked", _("checked, awaiting confirmation")
    APPLYING = "applying", _("importing")
    APPLIED = "applied", _("imported")
    FAILED = "failed", _("failed")
    UNDONE = "undone", _("undone")
    CANCELLED = "cancelled", _("cancelled")


class ImportMode(models.TextChoices):
    VALID_ROWS = "valid", _("import the rows without errors")
    ALL_OR_NOTHING = "all", _("import only if every row is without errors")
