import asyncio
import re
import time
from typing import Any

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from .validation import is_json_media_type, parse_strict_json, validate_echo

# The TechEmpower "fortunes" rows, as a database would return them.
FORTUNES = (
    (1, "fortune: No such file or directory"),
    (2, "A computer scientist is someone who fixes things that aren't broken."),
    (3, "After enough decimal places, nobody gives a damn."),
    (4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    (5, "A computer program does what you tell it to do, not what you want it to do."),
    (6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    (7, "Any program that runs right is obsolete."),
    (8, "A list is only as strong as its weakest link. — Donald Knuth"),
    (9, "Feature: A bug with seniority."),
    (10, "Computers make very fast, very accurate mistakes."),
    (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    (12, "フレームワークのベンチマーク"),
)

# Leading zeros are digits too: "0007" is 7, however many zeros come first.
VISITS = re.compile("0*([0-9]{1,10})")
MAX_VISITS = 1_000_000_000
MILLISECONDS = re.compile("[0-9]{1,4}")


def error(status: int, detail: Any) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@require_GET
def plaintext(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, World!", content_type="text/plain; charset=utf-8")


@require_GET
def json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"message": "Hello, World!"})


@require_GET
def user(request: HttpRequest, user_id: int) -> JsonResponse:
    return JsonResponse({"id": user_id, "name": f"user-{user_id}"})


@require_POST
def echo(request: HttpRequest) -> JsonResponse:
    if not is_json_media_type(request.content_type, request.content_params):
        return error(415, "Content-Type must be application/json")
    try:
        body = request.body
    except RequestDataTooBig:
        return error(413, "request body is larger than 1 MiB")
    try:
        data = parse_strict_json(body)
    except ValueError as exc:
        return error(400, f"malformed JSON: {exc}")
    try:
        document = validate_echo(data)
    except ValidationError as exc:
        return error(422, exc.messages)
    return JsonResponse(document)


@require_GET
def template(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("name", "World")
    if not 1 <= len(name) <= 100:
        return error(422, "name must be 1 to 100 characters")
    fortunes = sorted(
        [*FORTUNES, (0, "Additional fortune added at request time.")],
        key=lambda fortune: fortune[1],
    )
    return render(request, "contract/fortunes.html", {"name": name, "fortunes": fortunes})


@require_GET
def cookie(request: HttpRequest) -> JsonResponse:
    match = VISITS.fullmatch(request.COOKIES.get("visits", ""))
    visits = int(match[1]) if match else 0
    if visits > MAX_VISITS:
        visits = 0
    response = JsonResponse({"visits": visits + 1})
    response.set_cookie("visits", str(visits + 1), path="/", httponly=True, samesite="Lax")
    return response


@require_GET
def io(request: HttpRequest) -> JsonResponse:
    ms = request.GET.get("ms", "0")
    if not MILLISECONDS.fullmatch(ms) or int(ms) > 1000:
        return error(422, "ms must be an integer from 0 to 1000")
    # A blocking wait, as a WSGI view waits on its database.
    time.sleep(int(ms) / 1000)
    return JsonResponse({"slept_ms": int(ms)})


@require_GET
async def io_async(request: HttpRequest) -> JsonResponse:
    """/io under ASGI (urls_asgi.py): an async view awaits, as Django's async docs show."""
    ms = request.GET.get("ms", "0")
    if not MILLISECONDS.fullmatch(ms) or int(ms) > 1000:
        return error(422, "ms must be an integer from 0 to 1000")
    await asyncio.sleep(int(ms) / 1000)
    return JsonResponse({"slept_ms": int(ms)})


# Error handlers named in djangosite/urls.py.


def bad_request(request: HttpRequest, exception: Exception) -> JsonResponse:
    return error(400, "Bad Request")


def permission_denied(request: HttpRequest, exception: Exception) -> JsonResponse:
    return error(403, "Forbidden")


def page_not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    return error(404, "Not Found")


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Internal Server Error"}, status=500)
