"""The database views, on Django's ORM."""

import random
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Fortune, World


def needs_database(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.DATABASE_URL:
            return JsonResponse({"detail": "no database: DATABASE_URL is not set"}, status=503)
        return view(request, *args, **kwargs)

    return checked


def query_count(request: HttpRequest) -> int:
    """TechEmpower's rule: not an integer is 1, then clamped to 1-500."""
    raw = request.GET.get("queries", "")
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw.lstrip("0")) > 3:
        return 500
    return min(max(int(raw), 1), 500)


def random_ids(count: int) -> list[int]:
    # Different rows, as in the other apps: a request never reads one row twice.
    return random.sample(range(1, 10001), count)


def as_json(world: World) -> dict[str, int]:
    return {"id": world.id, "randomNumber": world.randomNumber}


@require_GET
@needs_database
def single_query(request: HttpRequest) -> JsonResponse:
    return JsonResponse(as_json(World.objects.get(id=random.randint(1, 10000))))


@require_GET
@needs_database
def multiple_queries(request: HttpRequest) -> JsonResponse:
    worlds = [as_json(World.objects.get(id=id_)) for id_ in random_ids(query_count(request))]
    return JsonResponse(worlds, safe=False)


@require_GET
@needs_database
def fortunes(request: HttpRequest) -> HttpResponse:
    rows = [*Fortune.objects.all()]
    rows.append(Fortune(id=0, message="Additional fortune added at request time."))
    rows.sort(key=lambda fortune: fortune.message)
    return render(request, "contract/db_fortunes.html", {"fortunes": rows})


@require_GET
@needs_database
def updates(request: HttpRequest) -> JsonResponse:
    worlds = [World.objects.get(id=id_) for id_ in random_ids(query_count(request))]
    for world in worlds:
        world.randomNumber = random.randint(1, 10000)
    # One UPDATE for all rows, Django's own batch; in id order, so that concurrent requests
    # lock rows in the same order and cannot deadlock.
    World.objects.bulk_update(sorted(worlds, key=lambda world: world.id), ["randomNumber"])
    return JsonResponse([as_json(world) for world in worlds], safe=False)
