import os

from django.core.wsgi import get_wsgi_application

from core import collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()
collector.set_aside_what_is_loaded()
