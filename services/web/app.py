"""The web app's factory: settings, sign-in, CSRF, security headers, error pages, health and metrics.

Blueprints: `auth` (staff sign-in), `console` (the facilitator console and admin pages); the
participants' pages live in their own blueprint (services/web/participant/) registered here too.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from services.web.api_client import ApiError, ApiUnavailable
from services.web.auth.guard import load_staff
from services.web.auth.oidc import init_oidc
from services.web.auth.views import auth
from services.web.config import WebSettings
from services.web.console import console
from shared.logging import configure_logging, current_correlation_id, new_correlation_id, reset_correlation_id, \
    set_correlation_id
from shared.metrics import REQUEST_LATENCY, render_metrics

log = logging.getLogger(__name__)
csrf = CSRFProtect()


def content_security_policy(settings: WebSettings) -> str:
    # No inline script or style anywhere; forms may only go to us (and, by redirect, to the provider).
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"form-action 'self' {settings.issuer_origin}; frame-ancestors 'none'; base-uri 'none'; "
            "connect-src 'self'")


def create_app(settings: WebSettings | None = None) -> Flask:
    settings = settings or WebSettings.from_env()
    app = Flask(__name__)
    app.config.update(
        IOP_WEB=settings, SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="iop_staff", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        # The cookie outlives the idle limit so an idle session is told apart from none (the page then
        # says why sign-in is asked again); the idle limit itself is checked on every request (guard).
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_idle_minutes) + timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which the idle timeout ends
        WTF_CSRF_SSL_STRICT=settings.cookie_secure,
        MAX_CONTENT_LENGTH=256 * 1024,
    )
    csrf.init_app(app)
    init_oidc(app, settings)
    app.before_request(load_staff)
    _install_request_hooks(app, settings)
    _install_error_pages(app)
    app.register_blueprint(auth)
    app.register_blueprint(console)
    # The participants' pages (services/web/participant/) register their blueprint here.
    _install_health(app, settings)
    return app


def _install_request_hooks(app: Flask, settings: WebSettings) -> None:
    csp = content_security_policy(settings)

    @app.before_request
    def _start():
        g.correlation_token = set_correlation_id(new_correlation_id())
        g.started = time.perf_counter()
        g.api_calls = 0

    @app.after_request
    def _finish(response: Response):
        response.headers["X-Correlation-ID"] = current_correlation_id() or ""
        response.headers["X-API-Calls"] = str(g.get("api_calls", 0))
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"  # pages carry clinical data
        started = g.get("started")
        if started is not None:
            rule = request.url_rule.rule if request.url_rule else "unmatched"
            REQUEST_LATENCY.labels("web", request.method, rule, str(response.status_code)).observe(
                time.perf_counter() - started)
        return response

    @app.teardown_request
    def _reset(_exc):
        token = g.pop("correlation_token", None)
        if token is not None:
            reset_correlation_id(token)


def _install_error_pages(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_refused(exc: ApiError):
        if exc.status in (401, 403, 404) or (exc.status == 422 and request.method == "GET"):
            # A page outside the caller's scope, or an address with a malformed id: the same clear page.
            return render_template("errors/not_found.html"), 404
        return render_template("errors/problem.html", message=exc.message, status=exc.status), exc.status

    @app.errorhandler(ApiUnavailable)
    def _api_down(exc: ApiUnavailable):
        log.warning("api unavailable", extra={"path": request.path, "error": str(exc)})
        return render_template("errors/unavailable.html"), 503

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return render_template("errors/problem.html", status=400,
                               message="This form had expired. Go back, reload the page and try again."), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code == 404:
            return render_template("errors/not_found.html"), 404
        return render_template("errors/problem.html", status=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error", extra={"path": request.path, "method": request.method})
        return render_template("errors/problem.html", status=500,
                               message="Something went wrong on our side. Nothing was changed."), 500


def _install_health(app: Flask, settings: WebSettings) -> None:
    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        # Ready when the pages can be served; the APIs' own readiness is theirs to report.
        return jsonify(status="ready")

    @app.get("/metrics")
    def metrics():
        body, content_type = render_metrics()
        return Response(body, content_type=content_type)


def main_logging(settings: WebSettings) -> None:
    configure_logging("web", settings.log_level)
