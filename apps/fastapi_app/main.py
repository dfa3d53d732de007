"""The benchmark contract as a FastAPI application (run: uvicorn fastapi_app.main:app)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Annotated, Any, NamedTuple

from fastapi import Cookie, FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates
from pydantic import BeforeValidator
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastapi_app.database import router as database_router
from fastapi_app.echo import router as echo_router


class UserIdConvertor(Convertor[int]):
    """1 to 20 ASCII digits; anything else does not match, so the path is a 404."""

    # Starlette anchors route patterns with `$`, which also matches before a final newline:
    # without the lookahead /users/1%0A would be user 1.
    regex = r"[0-9]{1,20}(?!\n)"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("user_id", UserIdConvertor())


class NoSniffMiddleware:
    """Adds `X-Content-Type-Options: nosniff` to every response, errors included."""

    # A pure ASGI middleware (Starlette's documented pattern) rather than
    # @app.middleware("http"), whose BaseHTTPMiddleware adds a task and streams per request.
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, send_with_nosniff)


# The contract has no redirects: /users/1/ is a 404, not a 307 to /users/1.
app = FastAPI(redirect_slashes=False)
app.add_middleware(NoSniffMiddleware)
app.include_router(echo_router)
app.include_router(database_router)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class Fortune(NamedTuple):
    id: int
    message: str


FORTUNES = (
    Fortune(1, "fortune: No such file or directory"),
    Fortune(2, "A computer scientist is someone who fixes things that aren't broken."),
    Fortune(3, "After enough decimal places, nobody gives a damn."),
    Fortune(4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    Fortune(5, "A computer program does what you tell it to do, not what you want it to do."),
    Fortune(6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    Fortune(7, "Any program that runs right is obsolete."),
    Fortune(8, "A list is only as strong as its weakest link. — Donald Knuth"),
    Fortune(9, "Feature: A bug with seniority."),
    Fortune(10, "Computers make very fast, very accurate mistakes."),
    Fortune(11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    Fortune(12, "フレームワークのベンチマーク"),
)


def _ascii_digits(value: Any) -> Any:
    # int() and pydantic's lax int accept "+5", " 5", "1_0" and non-ASCII digits; the
    # contract accepts 1 to 4 ASCII digits only.
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,4}", value):
        raise ValueError("ms must be 1 to 4 ASCII digits")
    return value


Milliseconds = Annotated[int, Query(ge=0, le=1000), BeforeValidator(_ascii_digits)]


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return "Hello, World!"


@app.get("/json")
async def json_message() -> dict[str, str]:
    return {"message": "Hello, World!"}


@app.get("/users/{user_id:user_id}")
async def read_user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "name": f"user-{user_id}"}


@app.get("/template", response_class=HTMLResponse)
async def fortunes(
    request: Request, name: Annotated[str, Query(min_length=1, max_length=100)] = "World"
) -> HTMLResponse:
    rows = [*FORTUNES, Fortune(0, "Additional fortune added at request time.")]
    rows.sort(key=lambda fortune: fortune.message)
    return templates.TemplateResponse(
        request=request, name="fortunes.html", context={"name": name, "fortunes": rows}
    )


MAX_VISITS = 1_000_000_000


def _previous_visits(cookie: str | None) -> int:
    """The count a `visits` cookie carries: ASCII digits up to 10**9, anything else is 0."""
    if cookie is None or not re.fullmatch(r"[0-9]+", cookie):
        return 0
    # Leading zeros are allowed; stripping them first keeps int() off huge digit strings.
    significant = cookie.lstrip("0") or "0"
    if len(significant) > len(str(MAX_VISITS)):
        return 0
    count = int(significant)
    return count if count <= MAX_VISITS else 0


@app.get("/cookie")
async def count_visits(
    response: Response, visits: Annotated[str | None, Cookie()] = None
) -> dict[str, int]:
    count = _previous_visits(visits) + 1
    response.set_cookie("visits", str(count), path="/", httponly=True, samesite="lax")
    return {"visits": count}


@app.get("/io")
async def wait_for_io(ms: Milliseconds = 0) -> dict[str, int]:
    # Stands in for awaiting a database or an upstream service: the event loop serves
    # other requests meanwhile.
    await asyncio.sleep(ms / 1000)
    return {"slept_ms": ms}
