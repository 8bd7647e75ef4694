"""List cells, and the names records go by (``__str__``: the audit log, the
pages' titles), show a choice field's label from a table made once per field and
language (``core.choices.choice_label``): it must give what Django's
``get_<field>_display`` gives, and step aside for a model that writes its own."""

from django.apps import apps
from django.utils import translation

from core.choices import choice_label
from core.generic import Column
from dispatch.models import Activity
from pairings.models import Pairing


def test_a_value_without_a_choice_reads_as_itself_and_labels_follow_the_language():
    cases = [(Activity, "kind"), (Activity, "host_side"), (Pairing, "status")]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for model, name in cases:
                field = model._meta.get_field(name)
                unknown = model(**{field.attname: "no-such-code"})
                assert choice_label(unknown, name) == "no-such-code"
    with translation.override("zh-hans"):
        assert choice_label(Activity(kind="training"), "kind") == "培训"
    with translation.override("en"):
        assert choice_label(Activity(kind="training"), "kind") != "培训"


def test_every_choice_field_of_every_model_reads_as_django_reads_it():
    """Every model's choice fields (the names of records use their labels): each
    value, in both languages, as Django's own method gives it."""
    fields = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.choices and not field.is_relation
    ]
    assert len(fields) > 30
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for model, field in fields:
                for value, _label in field.flatchoices:
                    obj = model(**{field.attname: value})
                    expected = getattr(obj, f"get_{field.name}_display")()
                    assert choice_label(obj, field.name) == expected, (model, value)


def test_a_model_with_its_own_display_method_is_asked(monkeypatch):
    monkeypatch.setattr(
        Activity, "get_kind_display", lambda self: f"自定义：{self.kind}", raising=False
    )
    activity = Activity(kind="training")
    assert choice_label(activity, "kind") == "自定义：training"
    assert Column("类型", "get_kind_display").value(activity) == "自定义：training"
