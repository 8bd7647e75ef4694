"""The OpenAPI schema is generated without touching what the pages share, and reads
the same to a client generator whatever the language it was asked in."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def filtered_list_pages(patterns=None, namespace=""):
    """The URL names of the browser's list pages that have a filter form."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else ""
            yield from filtered_list_pages(pattern.url_patterns, inner or namespace)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None)
            if getattr(view, "filterset_class", None) is not None:
                yield f"{namespace}{pattern.name}"


LIST_PAGES = sorted(filtered_list_pages())


def filter_labels(client, url_name) -> list[str]:
    page = client.get(reverse(url_name))
    assert page.status_code == 200, url_name
    return re.findall(r"<label[^>]*>\s*(.*?)\s*</label>", page.content.decode(), re.S)


def test_every_filtered_list_page_is_covered():
    assert "pairings:pairing_list" in LIST_PAGES
    assert "dispatch:activity_list" in LIST_PAGES
    assert len(LIST_PAGES) >= 10


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_filter_labels_stay_chinese_after_the_schema_is_opened(client, w, lang):
    """Opening /api/schema/ (in any language) once used to label the filters the
    schema made a form field for by their field names, in English ("Status",
    "Mode"), on every page, for every user, until the server restarted. (That no
    label is English at all is the page-text check's to say.)"""
    client.force_login(w["xian"])
    before = {name: filter_labels(client, name) for name in LIST_PAGES}
    assert client.get(f"/api/schema/?format=json&lang={lang}").status_code == 200
    after = {name: filter_labels(client, name) for name in LIST_PAGES}
    assert after == before
    assert {"状态", "帮扶模式"} <= set(after["pairings:pairing_list"])


def test_the_schema_describes_filters_in_each_language_asked_whatever_came_first(
    client, w
):
    """The filters' descriptions follow the request's language, however often and
    in whichever order the schema is asked for."""
    client.force_login(w["xian"])

    def described(lang):
        schema = client.get(f"/api/schema/?format=json&lang={lang}").json()
        return {
            (path, parameter["name"]): parameter.get("description", "")
            for path, item in schema["paths"].items()
            for operation in item.values()
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query"
        }

    en = described("en")
    zh = described("zh-hans")
    assert described("en") == en
    assert described("zh-hans") == zh
    assert zh["/api/v1/pairings/", "mode"].startswith("帮扶模式")
    assert en["/api/v1/pairings/", "mode"].lower().startswith("mode")
    assert zh["/api/v1/pairings/", "status"].startswith("状态")


def inline_enums(node, where=()):
    """Where a schema lists choices in place instead of naming a component: a
    client generator then names the class itself, from the schema's title (the
    label, in the request's language) or the operation and parameter."""
    if isinstance(node, dict):
        if "enum" in node and not (len(where) == 3 and where[:2] == COMPONENTS):
            yield where
        for key, value in node.items():
            yield from inline_enums(value, (*where, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from inline_enums(value, (*where, index))


COMPONENTS = ("components", "schemas")


def test_every_enum_is_a_component_named_in_english_in_either_language(client, w):
    """A client generated from the schema names its classes after the components:
    the same English names, whichever language the schema was asked in."""
    client.force_login(w["xian"])
    zh = client.get("/api/schema/?format=json&lang=zh-hans").json()
    en = client.get("/api/schema/?format=json&lang=en").json()
    names = list(zh["components"]["schemas"])
    assert names == list(en["components"]["schemas"])
    assert [name for name in names if not name.isascii()] == []
    for schema in (zh, en):
        assert list(inline_enums(schema)) == []
    # A filter takes the field's own choices: one enum for both in a client.
    parameters = {
        p["name"]: p["schema"]
        for p in zh["paths"]["/api/v1/pairings/"]["get"]["parameters"]
    }
    mode = zh["components"]["schemas"]["Pairing"]["properties"]["mode"]
    assert parameters["mode"] == {"$ref": "#/components/schemas/PairingModeEnum"}
    assert mode["allOf"] == [parameters["mode"]]
