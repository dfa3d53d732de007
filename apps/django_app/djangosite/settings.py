"""
Django settings for djangosite project.

Started from 'django-admin startproject' (Django 5.2) and cut down to what a JSON and HTML API
uses: no sessions, no users, no admin; PostgreSQL when DATABASE_URL is set.

For the full list of settings and their values, see
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import os
from urllib.parse import unquote, urlsplit

# Nothing here signs or encrypts anything (no sessions, no messages, no password resets), but
# Django refuses to start without a key; a deployment would pass its own.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-benchmark-only-nothing-is-signed-with-this-key"
)

DEBUG = False

# The harness serves on loopback only; Django answers 400 to any other Host header.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


INSTALLED_APPS = [
    "contract",
]

# Django's own security defaults stay on (SecurityMiddleware: nosniff, Referrer-Policy,
# Cross-Origin-Opener-Policy; XFrameOptionsMiddleware: X-Frame-Options: DENY).
# Left out of the startproject list: sessions, auth and messages (no users here), and
# CsrfViewMiddleware: with no cookie-based login there is nothing a forged request could act
# on, and it would answer a POST to a GET-only URL with 403 before the view could say 405.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost, so the JSON 405 it substitutes still passes through the middleware above.
    "contract.middleware.JsonMethodNotAllowedMiddleware",
]

ROOT_URLCONF = "djangosite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
            ],
        },
    },
]

WSGI_APPLICATION = "djangosite.wsgi.application"

def _database(url: str) -> dict[str, object]:
    """Django's settings for a libpq URI (postgresql://user:password@host:port/name)."""
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",  # psycopg 3 when it is installed
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # Django 5.1+'s psycopg 3 connection pool, per worker process (CONN_MAX_AGE stays 0,
        # as the pool requires): gunicorn's gthread runs 4 threads, each holding at most one
        # connection for its request, so 4 never makes a thread wait and no more would be used.
        # All 4 opened at start, as the bare baseline's pool: no measured request pays for a
        # connection's set-up (password authentication costs both sides milliseconds of CPU).
        "OPTIONS": {"pool": {"min_size": 4, "max_size": 4}},
    }


# The harness (or a deployment) gives the database as a libpq URI; without one the database
# views answer 503 and everything else works as before.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {"default": _database(DATABASE_URL)} if DATABASE_URL else {}

# The API's URLs have no trailing slash, and /users/1/ must be a 404, never a redirect.
APPEND_SLASH = False

# POST /echo accepts at most 1 MiB; request.body raises RequestDataTooBig above it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024


LANGUAGE_CODE = "en-us"

TIME_ZONE = "UTC"

USE_I18N = True

USE_TZ = True
