"""Validate bodies against Zoom's published OpenAPI files (../shared/zoom-openapi beside the clone).

``validate_response`` / ``validate_request`` use the REST file (OpenAPI 3.0), ``validate_webhook``
the webhooks file (OpenAPI 3.1). Error responses carry no schema in Zoom's file, only a description
listing ``**Error Code:** `NNN```; for those the body must be Zoom's ``{"code","message"}`` shape and
its code must be one the description lists. Every failure is an AssertionError with the JSON path.

Known strictness: request ``start_time`` is ``format: date-time`` (RFC 3339 with offset), so the
local wall-time spelling Zoom accepts (``2026-03-19T18:00:00`` + ``timezone``) fails
``validate_request``; recording ``type`` is a string enum in REST responses (Zoom sends ints).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema.exceptions import best_match
from openapi_schema_validator import (
    OAS30Validator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = REPO_ROOT.parent / "shared" / "zoom-openapi"
API_SPEC = SPEC_DIR / "zoom-meetings-api.openapi.json"
WEBHOOK_SPEC = SPEC_DIR / "zoom-meetings-webhooks.openapi.json"

requires_specs = pytest.mark.skipif(
    not (API_SPEC.exists() and WEBHOOK_SPEC.exists()),
    reason=f"Zoom OpenAPI files not found in {SPEC_DIR} (CI lays shared/ beside the clone)",
)

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string", "minLength": 1},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


@cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _operation(method: str, path_template: str) -> dict[str, Any]:
    paths = _load(API_SPEC)["paths"]
    if path_template not in paths:
        raise AssertionError(f"{path_template} is not a path in Zoom's spec")
    op = paths[path_template].get(method.lower())
    if op is None:
        raise AssertionError(f"{method.upper()} {path_template} is not in Zoom's spec")
    return op  # type: ignore[no-any-return]


def _check(validator: Any, body: Any, what: str) -> None:
    error = best_match(validator.iter_errors(body))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise AssertionError(f"{what}: at {where}: {error.message}")


def documented_error_codes(method: str, path_template: str, status: int) -> list[int]:
    resp = _operation(method, path_template)["responses"].get(str(status), {})
    return [int(c) for c in re.findall(r"Error Code:\*\* `(\d+)`", resp.get("description", ""))]


def validate_error_shape(body: Any) -> None:
    _check(OAS30Validator(ERROR_SCHEMA), body, "Zoom error body")


def validate_response(method: str, path_template: str, status: int, body: Any) -> None:
    """``body`` is the parsed JSON (None for an empty body)."""
    what = f"{method.upper()} {path_template} -> {status}"
    responses = _operation(method, path_template)["responses"]
    if str(status) not in responses:
        raise AssertionError(f"{what}: status not documented (has {sorted(responses)})")
    resp = responses[str(status)]
    schema = resp.get("content", {}).get("application/json", {}).get("schema")
    if schema is not None:
        _check(OAS30Validator(schema, format_checker=oas30_format_checker), body, what)
        return
    if status == 204:
        if body not in (None, b"", ""):
            raise AssertionError(f"{what}: expected an empty body, got {body!r}")
        return
    validate_error_shape(body)
    codes = documented_error_codes(method, path_template, status)
    if codes and body["code"] not in codes:
        raise AssertionError(f"{what}: error code {body['code']} not among documented {codes}")


def validate_request(method: str, path_template: str, body: Any) -> None:
    op = _operation(method, path_template)
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        raise AssertionError(f"{method.upper()} {path_template} takes no JSON body in Zoom's spec")
    _check(
        OAS30Validator(schema, format_checker=oas30_format_checker),
        body,
        f"request {method.upper()} {path_template}",
    )


def validate_webhook(event: str, body: Any) -> None:
    hooks = _load(WEBHOOK_SPEC)["webhooks"]
    if event not in hooks:
        raise AssertionError(f"{event} is not a webhook in Zoom's spec")
    schema = hooks[event]["post"]["requestBody"]["content"]["application/json"]["schema"]
    _check(OAS31Validator(schema, format_checker=oas31_format_checker), body, f"webhook {event}")
