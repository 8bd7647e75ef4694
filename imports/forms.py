from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapMixin

from .choices import ImportMode
from .jobs import may_import
from .types import REGISTRY


class UploadForm(BootstrapMixin, forms.Form):
    record_type = forms.ChoiceField(label=_("what the file holds"))
    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [
            (slug, cls.title)
            for slug, cls in REGISTRY.items()
            if may_import(user, slug)
        ]


class ConfirmForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("what to import"),
        choices=ImportMode.choices,
        initial=ImportMode.VALID_ROWS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
