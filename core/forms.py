from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from .filters import make_searchable
from .models import AuditEntry, Membership
from .scope import Scope, visible
from .versioning import VersionedModel


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not getattr(self, "rendered", True):
            return
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class VersionedForm:
    """The edit form of a record that has a version (``core.versioning``) carries
    the version its user opened as a hidden field, and saves from it: when someone
    else saved in between, the save raises ``StaleVersion`` and nothing is written
    (the edit page then shows both sides, ``core.generic.ObjectEditView``). A form
    sent without it (an API call without If-Match) saves over the row as read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, VersionedModel) and self.instance.pk:
            self.fields[VERSION] = VersionField(required=False, min_value=1)
            self.initial.setdefault(VERSION, self.instance.version)

    def _post_clean(self):
        super()._post_clean()
        version = self.cleaned_data.get(VERSION)
        if version and self.instance.pk and isinstance(self.instance, VersionedModel):
            self.instance.version = version


VERSION = "version"


class VersionField(forms.IntegerField):
    """The version a form was opened at. Sent alone it is no change: an inline row
    the user left as it was is not saved (nor refused) whatever its version."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


class ScopedModelForm(VersionedForm, BootstrapMixin, forms.ModelForm):
    """A model form whose choice fields offer only rows in the user's scope; large
    tables become searchable selects fed by the scoped autocomplete."""

    # A form that is never shown (the Excel import's) skips what only the page
    # needs: the chosen row of each searchable select, read for its label.
    rendered = True

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None or not hasattr(queryset, "model"):
                continue
            # A field shared by many forms of one user (an import's) is
            # narrowed to the scope once.
            if getattr(field, "scoped_for", ()) != (user,):
                field.queryset = visible(queryset, user)
                if not self.rendered:
                    field.scoped_for = (user,)
            if self.rendered:
                make_searchable(field, self[name].value())


class MembershipForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=Membership.Role.choices)
    # Querysets are given per user (``regions``, ``schools``) in __init__.
    region = forms.ModelChoiceField(
        label=_("region"), queryset=Membership.objects.none(), required=False
    )
    school = forms.ModelChoiceField(
        label=_("school"), queryset=Membership.objects.none(), required=False
    )
    can_manage_users = forms.BooleanField(label=_("manages users"), required=False)

    def __init__(self, *args, scope: Scope, regions, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        # A seconded teacher's account is opened from their person's page, which
        # links it to the person: a teacher membership alone would reach nothing.
        hidden = {Membership.Role.TEACHER}
        if not scope.is_admin:
            hidden.add(Membership.Role.ADMIN)
        self.fields["role"].choices = [
            c for c in Membership.Role.choices if c[0] not in hidden
        ]
        self.fields["region"].queryset = regions
        self.fields["school"].queryset = schools
        for name in ("region", "school"):
            make_searchable(self.fields[name], self[name].value())

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role in (Membership.Role.BUREAU, Membership.Role.INSPECTOR):
            if not data.get("region"):
                self.add_error(
                    "region", _("Bureau staff and inspectors need a region.")
                )
            data["school"] = None
        elif role == Membership.Role.SCHOOL:
            if not data.get("school"):
                self.add_error("school", _("School staff need a school."))
            data["region"] = None
        else:
            data["region"] = data["school"] = None
        return data


class UserCreateForm(MembershipForm):
    username = forms.CharField(label=_("username"), max_length=150)
    last_name = forms.CharField(label=_("family name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("given name"), max_length=150, required=False)
    email = forms.EmailField(label=_("email"), required=False)
    password = forms.CharField(
        label=_("initial password"), widget=forms.PasswordInput(render_value=True)
    )

    field_order = [
        "username",
        "last_name",
        "first_name",
        "email",
        "password",
        "role",
        "region",
        "school",
        "can_manage_users",
    ]


class UserUpdateForm(BootstrapMixin, forms.Form):
    last_name = forms.CharField(label=_("family name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("given name"), max_length=150, required=False)
    email = forms.EmailField(label=_("email"), required=False)
    is_active = forms.BooleanField(label=_("active"), required=False)


class AuditFilterForm(BootstrapMixin, forms.Form):
    user = forms.CharField(label=_("user"), required=False)
    model = forms.ChoiceField(label=_("object type"), required=False)
    action = forms.ChoiceField(
        label=_("action"),
        required=False,
        choices=[("", _("all"))] + list(AuditEntry.Action.choices),
    )
    date_from = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # One import's writes (``import-<id>``) or one request's: the change set.
    request_id = forms.CharField(label=_("change set"), required=False, max_length=36)

    def __init__(self, *args, model_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("all"))] + model_choices


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    """Django's password change, drawn like every other form of the site."""
