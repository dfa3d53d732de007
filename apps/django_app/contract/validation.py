"""Everything POST /echo checks, in the contract's order: 415, then 413, then 400, then 422.

The 413 limit is Django's own DATA_UPLOAD_MAX_MEMORY_SIZE (settings.py); the rest is here.
"""

import json
import re
from typing import Any

from django.core.exceptions import ValidationError

_SURROGATE = re.compile("[\ud800-\udfff]")


def is_json_media_type(content_type: str, params: dict[str, str]) -> bool:
    """application/json, with at most a charset=utf-8 parameter (415 otherwise)."""
    return content_type == "application/json" and all(
        name.lower() == "charset" and value.lower() == "utf-8" for name, value in params.items()
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_strict_json(body: bytes) -> Any:
    """The body as RFC 8259 JSON in UTF-8, or ValueError (400)."""
    try:
        # UTF-8 without a BOM: the strict codec refuses encoded surrogates and UTF-16, and
        # json.loads refuses a leading U+FEFF. Python's json accepts NaN and Infinity unless
        # told otherwise.
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if _has_lone_surrogate(data):
        raise ValueError("string contains a lone surrogate escape")
    return data


def _has_lone_surrogate(data: Any) -> bool:
    # json.loads turns "\ud800" into an unpaired surrogate instead of failing; look in every
    # key and string, without recursion (the document may be nested deeply).
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _is_text(value: Any, longest: int) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= longest


def validate_echo(data: Any) -> dict[str, Any]:
    """The echo document {name, count, tags} from parsed JSON, or ValidationError (422)."""
    if not isinstance(data, dict):
        raise ValidationError("body must be a JSON object")
    errors = [f"unexpected key {key!r}" for key in data if key not in ("name", "count", "tags")]
    if not _is_text(data.get("name"), 100):
        errors.append("name must be a string of 1 to 100 characters")
    count = data.get("count")
    # bool is a subclass of int in Python, and JSON true is not a count.
    if type(count) is not int or not 0 <= count <= 1000:
        errors.append("count must be an integer from 0 to 1000")
    tags = data.get("tags", [])
    if not (isinstance(tags, list) and len(tags) <= 10 and all(_is_text(tag, 30) for tag in tags)):
        errors.append("tags must be a list of at most 10 strings of 1 to 30 characters")
    if errors:
        raise ValidationError(errors)
    return {"name": data["name"], "count": count, "tags": tags}
