from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse


class JsonMethodNotAllowedMiddleware:
    """Give the empty 405 of Django's require_GET/require_POST a JSON body, keeping Allow."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed):
            allow = response["Allow"]
            response = JsonResponse({"detail": "Method Not Allowed"}, status=405)
            response["Allow"] = allow
        return response
