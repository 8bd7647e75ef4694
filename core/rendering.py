"""How form widgets are rendered (``FORM_RENDERER``)."""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    """Django's own Jinja2 widget templates where it has them (every standard
    widget and form layout: the same HTML but for blank lines, in half the time of
    the Django template engine, about 1 ms of every list page's filter bar,
    ``bench/load_profile.py``), the Django templates for the rest (the admin's
    widgets have no Jinja2 version)."""

    def __init__(self):
        self.fast = Jinja2()
        self.full = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self.fast.get_template(template_name)
        except TemplateDoesNotExist:
            return self.full.get_template(template_name)
