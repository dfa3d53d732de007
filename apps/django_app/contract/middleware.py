from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse


def json_405(response: HttpResponse) -> HttpResponse:
    if isinstance(response, HttpResponseNotAllowed):
        allow = response["Allow"]
        response = JsonResponse({"detail": "Method Not Allowed"}, status=405)
        response["Allow"] = allow
    return response


class JsonMethodNotAllowedMiddleware:
    """Give the empty 405 of Django's require_GET/require_POST a JSON body, keeping Allow.

    Sync and async capable, as Django's middleware docs show, so that under ASGI no request
    crosses into a thread just for this.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self.__acall__(request)
        return json_405(self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        return json_405(await self.get_response(request))
