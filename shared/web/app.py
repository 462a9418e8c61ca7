"""The application factory every service starts from.

It wires: flask-smorest (OpenAPI at /openapi.json, docs at /docs), bearer auth with a limit on
failed attempts per address, uniform JSON errors (never a stack trace), domain errors mapped to 4xx,
correlation ids, request metrics, security headers, a request size limit, /healthz, /readyz and
/metrics, and the access audit (shared.audit: its hooks, `GET /v1/audit` and each participant's
access report). The service adds its blueprints.
"""
from __future__ import annotations

import logging
import re
import time
from http import HTTPStatus

from flask import Flask, Response, g, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from flask_smorest import Api, abort
from werkzeug.exceptions import HTTPException, InternalServerError

from shared.audit import api as audit_api
from shared.audit.setup import setup_audit
from shared.auth import init_auth, public
from shared.errors import DomainError
from shared.health import health
from shared.logging import current_correlation_id, new_correlation_id, reset_correlation_id, set_correlation_id
from shared.metrics import REQUEST_LATENCY, OutboxCollector, render_metrics
from shared.rate_limit import AbuseLimits
from shared.web.context import ServiceContext
from shared.web.contract import ContractPlugin, install_allow_header, install_body_required
from shared.web.ids import IdConverter, IdRule, id_schema

log = logging.getLogger(__name__)
_SAFE_CORRELATION = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_BODY_BYTES = 256 * 1024
MAX_JSON_DEPTH = 32  # our documents nest 3 levels; deeper is an attack on the parser, not a request
# Pages are self-contained (inline style, no script, no asset): forbid everything else, framing too.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'none'")


def create_base_app(context: ServiceContext, title: str, description: str,
                    domain_errors: dict[type[Exception], int] | None = None) -> tuple[Flask, Api]:
    """The configured app and its Api. Every shared.errors.DomainError answers its own `http_status`;
    `domain_errors` maps any other exception class to a status (none of ours need it)."""
    settings = context.settings
    # The service's package, not its bare name: a folder called 'sessions' elsewhere on sys.path
    # (tests have one) would otherwise be taken for it.
    app = Flask(f"services.{settings.service}")
    app.url_rule_class = IdRule  # path ids are UUIDs: shared.web.ids
    app.config.update(
        API_TITLE=title, API_VERSION="1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json", OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        API_SPEC_OPTIONS={"info": {"description": description},
                          "components": {"securitySchemes": {
                              "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
                          "security": [{"bearerAuth": []}]},
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False,
    )
    app.extensions["iop"] = context
    limits = app.extensions["iop_abuse_limits"] = AbuseLimits.from_settings(settings)
    api = Api(app, spec_kwargs={"extra_plugins": [ContractPlugin()]})
    api.register_converter(IdConverter, id_schema)
    _install_request_hooks(app, settings.service)  # first: every response carries a correlation id
    init_auth(app, settings.jwt_secret, limits.auth_failures)
    _install_body_check(app)
    install_body_required(app)
    install_allow_header(app, api)
    _install_error_handlers(app, domain_errors or {})
    app.register_blueprint(health)
    if context.audit is not None:
        setup_audit(app, context)
        api.register_blueprint(audit_api.blp)
    collector = OutboxCollector(settings.service, context.session_factory, context.tables.outbox)

    @app.get("/metrics")
    @public
    def metrics():
        body, content_type = render_metrics([collector])
        return Response(body, content_type=content_type)

    return app, api


def _install_request_hooks(app: Flask, service: str) -> None:
    @app.before_request
    def _start():
        incoming = request.headers.get("X-Correlation-ID", "")
        g.correlation_token = set_correlation_id(incoming if _SAFE_CORRELATION.match(incoming)
                                                 else new_correlation_id())
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response):
        response.headers["X-Correlation-ID"] = current_correlation_id() or ""
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"  # join and feed URLs are credentials
        if request.path.startswith(("/v1/", "/join/")):
            response.headers["Cache-Control"] = "no-store"
        if response.mimetype == "text/html" and not request.path.startswith("/docs"):
            # A page may ask for a little more (the pre-join page's own script), never less.
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
            response.headers["X-Frame-Options"] = "DENY"
        started = g.get("started")
        if started is not None:
            rule = request.url_rule.rule if request.url_rule else "unmatched"
            REQUEST_LATENCY.labels(service, request.method, rule, str(response.status_code)).observe(
                time.perf_counter() - started)
        return response

    @app.teardown_request
    def _reset(_exc):
        token = g.pop("correlation_token", None)
        if token is not None:
            reset_correlation_id(token)


def _install_body_check(app: Flask) -> None:
    @app.before_request
    def _refuse_unstorable_input():
        # Bad input is a 4xx, never a 500 from deep inside: PostgreSQL cannot store U+0000 in text,
        # and Python's JSON parser overflows its stack on a few thousand nested brackets.
        for name, values in request.args.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                _refuse_nul("query", name)
        if not request.is_json:
            return
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            body = None
            too_deep = True
        else:
            too_deep = _depth(body) > MAX_JSON_DEPTH
        if too_deep:
            abort(400, message=f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels",
                  errors={"json": {"_schema": [f"Nested deeper than {MAX_JSON_DEPTH} levels."]}})
        field = _first_nul(body)
        if field is not None:
            _refuse_nul("json", field)


def _refuse_nul(location: str, field: str):
    abort(422, message=f"{field} may not contain a NUL character (U+0000)",
          errors={location: {field: ["May not contain a NUL character (U+0000)."]}})


def _children(value) -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return [(str(key), item) for key, item in value.items()]
    if isinstance(value, list):
        return [(str(index), item) for index, item in enumerate(value)]
    return []


def _depth(document) -> int:
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((item, depth + 1) for _, item in _children(value))
    return deepest


def _first_nul(document) -> str | None:
    """The dotted path of a text (or key) holding U+0000 in a parsed JSON document, or None."""
    pending = [("", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str) and "\x00" in value:
            return path or "_schema"
        for key, item in _children(value):
            where = f"{path}.{key}" if path else key
            if "\x00" in key:
                return where
            pending.append((where, item))
    return None


def _install_error_handlers(app: Flask, domain_errors: dict[type[Exception], int]) -> None:
    def _json_error(code: int, message: str, errors: dict | None = None):
        body = {"code": code, "status": _reason(code), "message": message}
        if errors:
            body["errors"] = errors
        return body, code

    @app.errorhandler(DomainError)
    def _refused(exc: DomainError):
        return _json_error(exc.http_status, str(exc), exc.errors)

    for error_class, code in domain_errors.items():
        app.register_error_handler(error_class, lambda exc, code=code: _json_error(code, str(exc)))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _json_error(exc.code or 500, exc.description or "")
        if _database_unavailable(exc):
            # Not a bug of ours and nothing was written: tell clients to come back, as /readyz does.
            log.warning("database unavailable", extra={"path": request.path, "method": request.method,
                                                       "error": type(exc).__name__})
            body, code = _json_error(503, "the database is unavailable; try again shortly")
            return body, code, {"Retry-After": "5"}
        log.exception("unhandled error", extra={"path": request.path, "method": request.method})
        return _json_error(500, InternalServerError.description)


def _database_unavailable(exc: Exception) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated)


def _reason(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"
