"""URL configuration under ASGI (settings_asgi.py): the contract app's async routes."""

from django.urls import include, path

from .urls import handler400, handler403, handler404, handler500

urlpatterns = [
    path("", include("contract.urls_asgi")),
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
