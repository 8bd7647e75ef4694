from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ScopedModelForm
from core.scope import scope_of, under

from .models import Channel


class ChannelForm(ScopedModelForm):
    """A channel of a region or a school in the user's bureau regions. The robot's
    address and the signing secret are never sent back to the browser: an edit
    shows them masked, and a field left empty keeps what is stored."""

    KEPT = ("webhook_url", "secret")

    webhook_url = forms.URLField(
        label=Channel._meta.get_field("webhook_url").verbose_name,
        help_text=Channel._meta.get_field("webhook_url").help_text,
        max_length=500,
        required=False,
        assume_scheme="https",
    )

    class Meta:
        model = Channel
        fields = [
            "kind",
            "name",
            "region",
            "school",
            "webhook_url",
            "secret",
            "emails",
            "enabled",
        ]
        widgets = {
            "secret": forms.PasswordInput(render_value=False),
            "emails": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_of(self.user)
        if not scope.is_admin:
            # Only a region of the user's own bureau, or a school in one.
            region, school = self.fields["region"], self.fields["school"]
            region.queryset = region.queryset.filter(under(scope.bureau_paths, ""))
            school.queryset = school.queryset.filter(under(scope.bureau_paths))
        if self.instance.pk:
            self.initial["webhook_url"] = ""
            for name, shown in (
                ("webhook_url", self.instance.masked_url),
                ("secret", self.instance.masked_secret),
            ):
                if shown:
                    self.fields[name].widget.attrs["placeholder"] = shown
                    self.fields[name].help_text = _(
                        "Stored: %(masked)s. Leave empty to keep it."
                    ) % {"masked": shown}
            if self.instance.secret:
                self.fields["clear_secret"] = forms.BooleanField(
                    label=_("remove the signing secret"), required=False
                )
                self.fields["clear_secret"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            for name in self.KEPT:
                if not cleaned.get(name):
                    cleaned[name] = getattr(self.instance, name)
            if cleaned.get("clear_secret"):
                cleaned["secret"] = ""
        return cleaned
