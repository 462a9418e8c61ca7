"""The three APIs, called over HTTP for the signed-in person with a short-lived token minted here.

The web app stores nothing clinical: every page reads and writes through these calls. Each request
counts its calls (`g.api_calls`): a page makes at most four.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from flask import current_app, g

from shared.auth import mint_token
from shared.logging import current_correlation_id

TOKEN_LIFETIME = timedelta(minutes=2)
_http = requests.Session()  # one connection pool per process: keep-alive to the APIs
_http.mount("http://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16))


@dataclass
class ApiError(Exception):
    """An API's refusal: its status, message and field errors ({field: [messages]})."""

    status: int
    message: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_response(cls, response: requests.Response) -> "ApiError":
        try:
            body = response.json()
        except ValueError:
            body = {}
        fields: dict[str, list[str]] = {}
        for location in (body.get("errors") or {}).values():
            if isinstance(location, dict):
                _flatten(location, "", fields)
        return cls(response.status_code, body.get("message") or response.reason or "", fields)


class ApiUnavailable(Exception):
    """An API did not answer (down, or too slow): the page says so instead of failing."""


def _flatten(errors: dict, prefix: str, into: dict[str, list[str]]) -> None:
    for key, value in errors.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            _flatten(value, name, into)
        elif isinstance(value, list):
            into.setdefault(name, []).extend(str(item) for item in value if not isinstance(item, dict))
        else:
            into.setdefault(name, []).append(str(value))


class Api:
    """Calls on behalf of one principal (role, sub)."""

    def __init__(self, role: str, sub: str):
        self.role = role
        self.sub = sub

    def _token(self) -> str:
        cache = g.setdefault("api_tokens", {})
        key = (self.role, self.sub)
        if key not in cache:
            cache[key] = mint_token(current_app.config["IOP_WEB"].jwt_secret, self.role, self.sub, TOKEN_LIFETIME)
        return cache[key]

    def call(self, method: str, service: str, path: str, *, params=None, json=None) -> dict | list | None:
        settings = current_app.config["IOP_WEB"]
        base = {"roster": settings.roster_url, "sessions": settings.sessions_url,
                "notifications": settings.notifications_url}[service]
        g.api_calls = g.get("api_calls", 0) + 1
        headers = {"Authorization": f"Bearer {self._token()}", "X-Correlation-ID": current_correlation_id() or ""}
        # A read that meets a briefly unavailable API (503: its database pool was busy) is tried again
        # twice, shortly; a write never is (it may have happened).
        for pause in ((0.2, 0.6) if method == "GET" else ()) + (None,):
            try:
                response = _http.request(method, base + path, params=params, json=json, headers=headers,
                                         timeout=settings.api_timeout_seconds)
            except requests.RequestException as exc:
                raise ApiUnavailable(service) from exc
            if response.status_code != 503 or pause is None:
                break
            time.sleep(pause)
        if response.status_code >= 500:
            raise ApiUnavailable(service)
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response.json() if response.content else None

    def get(self, service: str, path: str, **params):
        return self.call("GET", service, path, params={k: v for k, v in params.items() if v is not None})

    def post(self, service: str, path: str, body: dict | None = None):
        return self.call("POST", service, path, json=body if body is not None else {})

    def patch(self, service: str, path: str, body: dict):
        return self.call("PATCH", service, path, json=body)

    def put(self, service: str, path: str, body):
        return self.call("PUT", service, path, json=body)


def system_api() -> Api:
    """The web app itself, as an admin: only for matching a signed-in person to a facilitator."""
    return Api("admin", "00000000-0000-4000-8000-000000000000")
