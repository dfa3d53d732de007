"""Settings for the ASGI application (asgi.py): the WSGI settings with the async routes."""

from .settings import *  # noqa: F403 - the same project, one setting apart

ROOT_URLCONF = "djangosite.urls_asgi"
