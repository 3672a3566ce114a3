"""The API's JSON parser: DRF's, with a ceiling on the body's size and its nesting, so a body
thousands of levels deep or megabytes long is a 400 that says so, not a crash."""

import json
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No record of ours nests deeper than a handful of levels (a list of parts, each an object).
MAX_DEPTH = 32


def depth_of(data: Any) -> int:
    """How deep lists and objects nest in parsed JSON (a scalar is 0), without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, level + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise ParseError(f"The body is larger than {limit // 1024:,} KiB.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding))
        except RecursionError:
            raise ParseError(f"The JSON nests deeper than {MAX_DEPTH} levels.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if depth_of(data) > MAX_DEPTH:
            raise ParseError(f"The JSON nests deeper than {MAX_DEPTH} levels.")
        return data
