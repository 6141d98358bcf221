"""Checks the JSON API's answers against its OpenAPI file, so the two cannot drift apart: the path and
method must be described, the status listed, and the body valid against its schema (objects allow no
properties the file does not name)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.web.api.app import API_PREFIX
from bot.web.api.routes import OPENAPI_FILE

SPEC_URI = "urn:coach-openapi"


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    return loaded


@cache
def _registry() -> Registry:
    return Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT202012)
    )


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _template(path: str) -> str:
    for template in spec()["paths"]:
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
        if re.fullmatch(pattern, path):
            return str(template)
    raise AssertionError(f"{path} is not in openapi.yaml")


def check_response(method: str, url_path: str, status: int, body: Any) -> None:
    """Raises when the answer to ``method url_path`` is not what openapi.yaml says."""
    path = url_path.split("?", 1)[0].removeprefix(API_PREFIX)
    template = _template(path)
    operation = spec()["paths"][template].get(method.lower())
    assert operation is not None, f"{method} {template} is not in openapi.yaml"
    assert str(status) in operation["responses"], f"{method} {template} does not list status {status}"
    response = operation["responses"][str(status)]
    where = ("paths", template, method.lower(), "responses", str(status))
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = spec()["components"]["responses"][name]
        where = ("components", "responses", name)
    schema_ref = {"$ref": SPEC_URI + "#" + _pointer(*where, "content", "application/json", "schema")}
    Draft202012Validator(schema_ref, registry=_registry(), format_checker=FormatChecker()).validate(body)
