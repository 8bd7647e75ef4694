from django.utils import translation

from core.i18n_check import catalogue_problems
from pairings.models import School


def test_chinese_catalogue_is_complete_and_compiled():
    assert catalogue_problems() == []


def test_chinese_is_the_default_and_english_is_available():
    assert str(School._meta.verbose_name) == "学校"
    with translation.override("en"):
        assert str(School._meta.verbose_name) == "school"
