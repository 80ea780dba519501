"""The OpenAPI 3.1 document of the API, as committed in ``docs/openapi.json``."""

from __future__ import annotations

import json


def openapi_document() -> dict:
    """The schema ninja generates, round-tripped through JSON (what the client receives)."""
    from coopess.api.rest.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.loads(json.dumps(schema, ensure_ascii=False))
