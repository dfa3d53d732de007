"""POST /echo: the contract's body validation, in one place.

FastAPI's own work is the schema: the `EchoIn` model gives the 422s. What FastAPI does not do
the contract's way is below the model: it answers a wrong media type and malformed JSON with
422, reads the whole body before any check (a size limit set on the route would answer 413
before 415), and `json.loads` accepts NaN, UTF-16 and lone surrogate escapes. So this route
uses a custom request class (FastAPI's "Custom Request and APIRoute class" pattern) that
applies 415, then 413, then 400 before FastAPI parses the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

MAX_BODY_BYTES = 1024 * 1024
# RFC 8259 section 9 lets a parser limit nesting (and number size: ints over 4300 digits are
# refused by json.loads). Without a limit well under Python's recursion limit, a document
# that json.loads still takes could overflow the stack of the 422 handler, which echoes it.
MAX_DEPTH = 500


Tag = Annotated[str, Field(min_length=1, max_length=30)]


class EchoIn(BaseModel):
    # strict: true, "5" and 5.0 are not integers; forbid: any other key is invalid.
    model_config = ConfigDict(strict=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100)]
    count: Annotated[int, Field(ge=0, le=1000)]
    tags: Annotated[list[Tag], Field(max_length=10)] = []


def _is_json_media_type(content_type: str | None) -> bool:
    """`application/json`, optionally with `charset=utf-8`; `+json` types do not count."""
    if content_type is None:
        return False
    media_type, *params = (part.strip().lower() for part in content_type.split(";"))
    return media_type == "application/json" and all(
        p.replace(" ", "") in ("charset=utf-8", 'charset="utf-8"') for p in params
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _malformation(value: Any) -> str | None:
    """What makes a parsed document unacceptable although json.loads took it, if anything."""
    # Iterative, so that a deeply nested document cannot exhaust the stack here.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "a string escape is a lone surrogate"
        elif isinstance(item, list | dict):
            if depth > MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
            children = item if isinstance(item, list) else [*item, *item.values()]
            stack.extend((child, depth + 1) for child in children)
    return None


def parse_strict_json(body: bytes) -> Any:
    """RFC 8259 JSON in UTF-8 (no BOM, NaN, Infinity or lone surrogate), else a 400."""
    try:
        # json.loads(bytes) would guess UTF-16/32; decoding first makes UTF-8 the only option.
        value = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise HTTPException(status_code=400, detail=f"malformed JSON body: {exc}") from None
    problem = _malformation(value)
    if problem is not None:
        raise HTTPException(status_code=400, detail=f"malformed JSON body: {problem}")
    return value


class StrictJSONRequest(Request):
    """A request whose JSON body follows the contract: 415, then 413, then 400."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length", "")
            if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                raise HTTPException(status_code=413, detail="body larger than 1 MiB")
            chunks, size = [], 0
            async for chunk in self.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise HTTPException(status_code=413, detail="body larger than 1 MiB")
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            if not _is_json_media_type(self.headers.get("content-type")):
                raise HTTPException(status_code=415, detail="Content-Type must be application/json")
            self._json = parse_strict_json(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def strict_json_handler(request: Request) -> Response:
            strict = StrictJSONRequest(request.scope, request.receive)
            # Parsing here, before FastAPI does, also gives an empty body its 400; FastAPI then
            # reads the cached body and JSON and validates them against the model.
            await strict.json()
            return await handle(strict)

        return strict_json_handler


router = APIRouter(route_class=StrictJSONRoute)


@router.post("/echo")
async def echo(payload: EchoIn) -> EchoIn:
    return payload
