"""List cells show a choice field's label from a table made once per field and
language (``core.generic.choice_label``): it must give what Django's
``get_<field>_display`` gives, and step aside for a model that writes its own."""

from django.utils import translation

from core.generic import Column, choice_label
from dispatch.models import Activity
from pairings.models import Pairing


def test_every_choice_reads_as_django_reads_it_in_both_languages():
    cases = [(Activity, "kind"), (Activity, "host_side"), (Pairing, "status")]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for model, name in cases:
                field = model._meta.get_field(name)
                for value, _label in field.flatchoices:
                    obj = model(**{field.attname: value})
                    expected = getattr(obj, f"get_{name}_display")()
                    assert choice_label(obj, name) == expected, (model, value)
                unknown = model(**{field.attname: "no-such-code"})
                assert choice_label(unknown, name) == "no-such-code"
    with translation.override("zh-hans"):
        assert choice_label(Activity(kind="training"), "kind") == "培训"
    with translation.override("en"):
        assert choice_label(Activity(kind="training"), "kind") != "培训"


def test_a_model_with_its_own_display_method_is_asked(monkeypatch):
    monkeypatch.setattr(
        Activity, "get_kind_display", lambda self: f"自定义：{self.kind}", raising=False
    )
    activity = Activity(kind="training")
    assert choice_label(activity, "kind") == "自定义：training"
    assert Column("类型", "get_kind_display").value(activity) == "自定义：training"
