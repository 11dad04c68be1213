"""Schema additions every operation shares."""

from typing import Any

COMMON = {
    "429": "Too many requests; retry after the time in the Retry-After header.",
    "503": "The database was briefly unavailable; nothing was changed. Retry after Retry-After.",
}


def add_common_responses(result: dict[str, Any], generator: Any, request: Any, public: Any) -> dict:
    """Document the answers any operation can give: rate limiting and a database outage."""
    error = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in COMMON.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": error}},
                    },
                )
    return result
