"""Names on the pages: Chinese names family name first without a space."""

from types import SimpleNamespace

import pytest

from core.templatetags.duikou import person_name


@pytest.mark.parametrize(
    ("last", "first", "username", "shown"),
    [
        ("陈", "丽娟", "xuexiao", "陈丽娟"),
        ("欧阳", "明", "oy", "欧阳明"),
        ("Smith", "Anna", "anna", "Anna Smith"),
        ("", "", "xian", "xian"),
        (" ", "", "duxue", "duxue"),
    ],
)
def test_person_name(last, first, username, shown):
    user = SimpleNamespace(last_name=last, first_name=first, username=username)
    assert person_name(user) == shown


def test_no_user_no_name():
    assert person_name(None) == ""
