# Django's docs have no single-file hello world: their route is `django-admin startproject`,
# which writes manage.py and a package of settings, urls, wsgi and asgi modules. This is the
# smallest honest single-file equivalent; `python hello.py runserver` serves 127.0.0.1:8000.
import sys

from django.conf import settings
from django.core.management import execute_from_command_line
from django.http import HttpResponse
from django.urls import path

settings.configure(DEBUG=True, ROOT_URLCONF=__name__, SECRET_KEY="django-insecure-hello")


def index(request):
    return HttpResponse("Hello, World!")


urlpatterns = [path("", index)]

if __name__ == "__main__":
    execute_from_command_line(sys.argv)
