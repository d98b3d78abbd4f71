"""The API's JSON renderer: pydantic-core's serializer instead of the standard library's.

`json.dumps` with Django's encoder calls back into Python for every date and Decimal; a page
of 50 projects spent more time there than in validating the page. pydantic-core writes the
same JSON types in Rust: dates and times in ISO 8601 (times with their microseconds), Decimal
as a string, text as UTF-8. Values it does not know (lazy translations, UUIDs, enums) fall
back to ninja's encoder.
"""

from __future__ import annotations

from typing import Any

import pydantic_core
from django.http import HttpRequest
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

_FALLBACK = NinjaJSONEncoder()


class FastJSONRenderer(JSONRenderer):
    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return pydantic_core.to_json(data, fallback=_FALLBACK.default)
