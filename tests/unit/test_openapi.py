"""docs/openapi.json: the committed OpenAPI document is the one the API's code generates.

API Gateway's REST API (terraform/modules/api) is built from that file, request validation
included, so a route or a body model changed without regenerating it would deploy a stale API.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from pathlib import Path
from typing import Any

import pydantic
import pytest
from aws_lambda_powertools.event_handler.openapi.params import Body

from archive_io.api import app
from archive_io.cli import openapi_document

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
REGENERATE = "run `archive-io openapi > docs/openapi.json` and commit it"


def _committed() -> dict[str, Any]:
    if not DOCUMENT.exists():
        pytest.fail(f"{DOCUMENT} is missing: {REGENERATE}")
    document: dict[str, Any] = json.loads(DOCUMENT.read_text())
    return document


def test_the_committed_document_is_the_one_the_code_generates() -> None:
    committed, generated = DOCUMENT.read_text() if DOCUMENT.exists() else "", openapi_document()
    if committed != generated:
        diff = difflib.unified_diff(
            committed.splitlines(), generated.splitlines(), "docs/openapi.json", "generated", lineterm="", n=1
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(f"docs/openapi.json is not what src/archive_io/api.py generates: {REGENERATE}\n{shown}")


def test_the_document_names_the_project_and_its_version() -> None:
    from importlib.metadata import version

    info = _committed()["info"]
    assert info == {"title": "Archive-IO", "version": version("archive-io")}


def _models(annotation: Any) -> set[type[pydantic.BaseModel]]:
    """The pydantic models a body annotation accepts (through Annotated, unions and Optional)."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return {annotation}
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_models(arg) for arg in typing.get_args(annotation)))
    return set()


def _body_parameters(func: Any) -> dict[str, Any]:
    """A route function's parameters declared as the request body (`Annotated[..., Body()]`)."""
    hints = typing.get_type_hints(func, include_extras=True)
    return {
        name: hint
        for name, hint in hints.items()
        if name != "return"
        and typing.get_origin(hint) is typing.Annotated
        and any(isinstance(meta, Body) for meta in hint.__metadata__)
    }


def _refs(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = {schema["$ref"].rsplit("/", 1)[-1]} if isinstance(schema.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_refs(value) for value in schema))
    return set()


def _routes() -> list[Any]:
    # Powertools keeps the registered routes in these two lists (no public accessor).
    routes: list[Any] = [*app._static_routes, *app._dynamic_routes]
    return routes


def test_every_route_is_in_the_document_with_its_request_body_schema() -> None:
    document = _committed()
    schemas = document["components"]["schemas"]
    assert len(_routes()) >= 10
    for route in _routes():
        where = f"{route.method} {route.path}"
        operation = document["paths"].get(route.openapi_path, {}).get(route.method.lower())
        assert operation is not None, f"{where} is not in docs/openapi.json: {REGENERATE}"
        bodies = _body_parameters(route.func)
        if not bodies:
            assert "requestBody" not in operation, f"{where} takes no body but the document gives it one"
            continue
        (annotation,) = bodies.values()
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        models = _models(annotation)
        assert models, f"{where}: its body is not a pydantic model"
        assert {model.__name__ for model in models} == _refs(schema), where
        optional = type(None) in typing.get_args(typing.get_args(annotation)[0])
        assert operation["requestBody"].get("required", False) is not optional, where
        for model in models:
            expected = model.model_json_schema(ref_template="#/components/schemas/{model}")
            documented = schemas[model.__name__]
            assert documented.get("properties", {}).keys() == expected.get("properties", {}).keys(), (
                f"{where}: {model.__name__}'s fields differ from the document's: {REGENERATE}"
            )
            assert set(documented.get("required", [])) == set(expected.get("required", [])), where


def test_every_documented_operation_is_a_route() -> None:
    documented = {(method.upper(), path) for path, item in _committed()["paths"].items() for method in item}
    assert documented == {(route.method, route.openapi_path) for route in _routes()}


# The schema keywords of JSON Schema draft 4 that OpenAPI 3.0 also has, and OpenAPI 3.0's own
# `nullable` and `readOnly`/`writeOnly` (annotations, which validation ignores).
DRAFT4_AND_OPENAPI30 = {
    "$ref", "title", "description", "default", "type", "format", "enum", "properties", "required",
    "additionalProperties", "items", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength",
    "pattern", "minimum", "maximum", "multipleOf", "allOf", "anyOf", "oneOf", "not",
    "minProperties", "maxProperties", "nullable", "readOnly", "writeOnly",
}  # fmt: skip


def _schemas(node: Any, inside: bool = False) -> Any:
    """Every schema object of the document (under components.schemas, requestBody and responses content)."""
    if isinstance(node, dict):
        if inside:
            yield node
        for key, value in node.items():
            if key in {"schema", "items", "additionalProperties", "not"}:
                yield from _schemas(value, True)
            elif key in {"properties", "schemas"}:
                for child in value.values() if isinstance(value, dict) else []:
                    yield from _schemas(child, True)
            elif key in {"anyOf", "allOf", "oneOf"}:
                for child in value:
                    yield from _schemas(child, True)
            else:
                yield from _schemas(value, False)
    elif isinstance(node, list):
        for item in node:
            yield from _schemas(item, inside)


def test_the_schemas_need_nothing_of_openapi_31_that_api_gateway_cannot_read() -> None:
    """terraform/modules/api declares the document OpenAPI 3.0.1 for API Gateway's import."""
    schemas = list(_schemas(_committed()))
    assert len(schemas) > 50
    unknown = sorted({key for schema in schemas for key in schema if key not in DRAFT4_AND_OPENAPI30})
    assert unknown == [], f"schema keywords API Gateway's OpenAPI 3.0 import does not know: {unknown}"
    types_used = {schema["type"] for schema in schemas if "type" in schema}
    assert all(isinstance(t, str) for t in types_used), "type arrays are OpenAPI 3.1 only"
    assert types_used <= {"object", "array", "string", "integer", "number", "boolean", "null"}
