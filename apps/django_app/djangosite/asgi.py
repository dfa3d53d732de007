"""
ASGI config for djangosite project.

It exposes the ASGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/
"""

import os

from django.core.asgi import get_asgi_application

# The async routes (/io awaits): settings_asgi.py.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangosite.settings_asgi")

application = get_asgi_application()
