"""What the OpenAPI document promises beyond the schemas: id parameters, error answers, bodies.

- Every path parameter named `*_id` is a UUID in its canonical text (what `_check_path_ids` enforces).
- Every operation lists the error statuses the platform can answer it with, each with the shared
  error schema (`Error`: code, status, message, errors): 401/403/429 from auth, 422 for a bad
  parameter, 503 while the database is away, 404 where the path names something, 400/409/413 where a
  body is sent.
- An operation whose document requires a JSON body refuses a request without one (a PATCH with
  nothing in it is a client bug, not a no-op).
- A 405 names the methods the path does take in `Allow` (RFC 9110).
"""
from __future__ import annotations

from http import HTTPStatus

from apispec import BasePlugin
from flask import Flask, request
from flask_smorest import Api, abort
from werkzeug.exceptions import MethodNotAllowed

from shared.fields import UUID_SCHEMA

ALWAYS = (401, 403, 422, 429, 503)
WITH_PATH = (404,)
WITH_BODY = (400, 409, 413)
WRITES = ("post", "put", "patch", "delete")


class ContractPlugin(BasePlugin):
    """An apispec plugin: runs after flask-smorest's own, on every path and schema it documents.

    A schema class may add what marshmallow fields cannot say (a rule across fields) as JSON Schema
    in `OPENAPI_EXTRA`.
    """

    def schema_helper(self, name, definition, **kwargs):
        _only_null_or(definition)
        schema = kwargs.get("schema")
        schema_class = schema if isinstance(schema, type) else type(schema)
        return dict(getattr(schema_class, "OPENAPI_EXTRA", None) or {})

    def path_helper(self, path=None, operations=None, parameters=None, **kwargs):
        for parameter in parameters or []:
            if isinstance(parameter, dict) and parameter.get("in") == "path" and parameter["name"].endswith("_id"):
                parameter["schema"] = dict(UUID_SCHEMA)
        return None

    def operation_helper(self, path=None, operations=None, **kwargs):
        has_path_parameters = "{" in (path or "")
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict) or method not in ("get", "post", "put", "patch", "delete"):
                continue
            statuses = [*ALWAYS, *(WITH_PATH if has_path_parameters else ()),
                        *(WITH_BODY if method in WRITES else ())]
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(str(status), HTTPStatus(status).name)


def _only_null_or(node) -> None:
    """apispec writes a nullable nested schema as `anyOf: [{type: object, nullable}, {$ref}]`, whose
    first branch admits any object at all; the server takes null or the nested schema only."""
    if isinstance(node, list):
        for item in node:
            _only_null_or(item)
        return
    if not isinstance(node, dict):
        return
    for branch in node.get("anyOf", []):
        if branch == {"type": "object", "nullable": True}:
            branch["enum"] = [None]
    for value in node.values():
        _only_null_or(value)


def install_body_required(app: Flask) -> None:
    """Refuse a request without a body to an operation whose documented JSON body is required."""

    @app.before_request
    def _require_documented_body():
        if request.method not in ("POST", "PUT", "PATCH") or request.content_length or request.get_data(cache=True):
            return
        if _requires_json_body(app, request.endpoint, request.method):
            abort(422, message="a JSON body is required", errors={"json": {"_schema": ["A JSON body is required."]}})


def _requires_json_body(app: Flask, endpoint: str | None, method: str) -> bool:
    view = app.view_functions.get(endpoint or "")
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, method.lower(), None) if view_class is not None else view
    arguments = (getattr(handler, "_apidoc", None) or {}).get("arguments", {}).get("parameters", [])
    return any(argument.get("in") == "json" and argument.get("required", True)
               for argument in arguments)


def install_allow_header(app: Flask, api: Api) -> None:
    """A 405 in the platform's JSON error format, with the `Allow` header RFC 9110 requires."""

    @app.errorhandler(MethodNotAllowed)
    def _method_not_allowed(exc: MethodNotAllowed):
        body, code, headers = api.handle_http_exception(exc)
        return body, code, {**headers, "Allow": ", ".join(sorted(exc.valid_methods or ()))}
