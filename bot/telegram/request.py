"""PTB's HTTP client, reading Telegram's JSON with orjson.

Every update is parsed from JSON, and at the rate answers arrive that is a cost of its own;
`BaseRequest.parse_json_payload` is PTB's documented place to use a faster JSON library.
"""

from __future__ import annotations

from typing import Any

import orjson
from telegram.request import HTTPXRequest


class Request(HTTPXRequest):
    """HTTPXRequest whose JSON is read by orjson; what orjson refuses, PTB reads as before."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:
            # Invalid UTF-8 (PTB replaces it) or no JSON at all (PTB's own error and log line).
            return HTTPXRequest.parse_json_payload(payload)
