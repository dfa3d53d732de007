"""The routes under ASGI: the same views, with the async /io view (it awaits its wait)."""

from . import views
from .urls import patterns

urlpatterns = patterns(views.io_async)
