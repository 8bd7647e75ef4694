from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoLoad(models.Model):
    """What one run of the demo generator wrote: per table, how many rows and the
    highest id. ``demo_data --flush`` deletes only a database that still holds
    exactly that (nothing added, nothing edited since)."""

    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    scale = models.CharField(_("scale"), max_length=16)
    seed = models.IntegerField(_("seed"))
    anchor = models.DateField(_("anchor date"))
    tables = models.JSONField(_("rows per table"), default=dict)

    class Meta:
        verbose_name = _("demo data load")
        verbose_name_plural = _("demo data loads")
        ordering = ["-loaded_at"]

    def __str__(self):
        return f"{self.scale} · {self.loaded_at:%Y-%m-%d %H:%M}"
