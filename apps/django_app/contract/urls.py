from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, path, register_converter

from . import converters, database, views

register_converter(converters.UserIdConverter, "user_id")


def patterns(io_view: Callable[..., Any]) -> list[URLPattern]:
    """The contract's routes; only /io's view differs between WSGI and ASGI (urls_asgi.py)."""
    return [
        path("plaintext", views.plaintext),
        path("json", views.json),
        path("users/<user_id:user_id>", views.user),
        path("echo", views.echo),
        path("template", views.template),
        path("cookie", views.cookie),
        path("io", io_view),
        path("db", database.single_query),
        path("queries", database.multiple_queries),
        path("fortunes", database.fortunes),
        path("updates", database.updates),
    ]


urlpatterns = patterns(views.io)
