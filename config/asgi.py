import os

from django.core.asgi import get_asgi_application

from core import collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_asgi_application()
collector.set_aside_what_is_loaded()
