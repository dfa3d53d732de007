"""
WSGI config for djangosite project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import io
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.http import parse_header_parameters

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangosite.settings")

django_application = get_wsgi_application()


def application(environ, start_response):
    # Django 5.2 raises ValueError while it builds the request when Content-Type carries an
    # RFC 2231 parameter in an unknown charset (charset*=x''y): before its middleware and
    # error handlers run, so the server would answer 500. Such a header names no media type
    # Django can use; without it /echo answers 415 and every other page is unaffected.
    content_type = environ.get("CONTENT_TYPE", "")
    if "*" in content_type:
        try:
            parse_header_parameters(content_type)
        except ValueError:
            del environ["CONTENT_TYPE"]
    # Django reads request bodies by CONTENT_LENGTH only, so a chunked body (valid HTTP/1.1,
    # de-chunked by gunicorn, which marks wsgi.input_terminated) would reach views as empty.
    # Buffer it, one byte past the upload limit so an oversized body still answers 413.
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() and environ.get(
        "wsgi.input_terminated"
    ):
        body = environ["wsgi.input"].read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
    return django_application(environ, start_response)
