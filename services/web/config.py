"""Settings of the web app, read from environment variables only (with development defaults).

Production refuses the development OpenID provider, the development secrets and plain-http cookies.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlparse

from shared.config import DEV_JWT_SECRET, ConfigError

DEV_ISSUER = "http://localhost:9400"  # services.web.dev_provider, started by `make run`
DEV_SECRET_KEY = "dev-only-web-session-key-change-me-0123"
DEV_CLIENT_ID = "iop-web-dev"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else value.strip()


def _words(raw: str) -> frozenset[str]:
    return frozenset(word.strip().lower() for word in raw.replace(";", ",").split(",") if word.strip())


@dataclass(frozen=True)
class WebSettings:
    app_env: str = "development"
    jwt_secret: str = DEV_JWT_SECRET
    secret_key: str = DEV_SECRET_KEY
    public_base_url: str = "http://localhost:8000"
    roster_url: str = "http://127.0.0.1:8001"
    sessions_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8003"
    oidc_issuer: str = DEV_ISSUER
    oidc_client_id: str = DEV_CLIENT_ID
    oidc_client_secret: str = "dev-client-secret"
    admin_emails: frozenset[str] = frozenset()
    oidc_admin_group: str | None = None
    session_idle_minutes: int = 15
    cookie_secure: bool = True
    log_level: str = "INFO"
    api_timeout_seconds: float = 10.0

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @property
    def issuer_origin(self) -> str:
        parsed = urlparse(self.oidc_issuer)
        return f"{parsed.scheme}://{parsed.netloc}"

    @classmethod
    def from_env(cls) -> "WebSettings":
        public = _env("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
        try:
            idle = int(_env("SESSION_IDLE_MINUTES", "15"))
        except ValueError as exc:
            raise ConfigError("SESSION_IDLE_MINUTES must be an integer") from exc
        settings = cls(
            app_env=_env("APP_ENV", "development"),
            jwt_secret=_env("JWT_SECRET", DEV_JWT_SECRET),
            secret_key=_env("WEB_SECRET_KEY", DEV_SECRET_KEY),
            public_base_url=public,
            roster_url=_env("ROSTER_API_URL", "http://127.0.0.1:8001").rstrip("/"),
            sessions_url=_env("SESSIONS_API_URL", "http://127.0.0.1:8002").rstrip("/"),
            notifications_url=_env("NOTIFICATIONS_API_URL", "http://127.0.0.1:8003").rstrip("/"),
            oidc_issuer=_env("OIDC_ISSUER", DEV_ISSUER).rstrip("/"),
            oidc_client_id=_env("OIDC_CLIENT_ID", DEV_CLIENT_ID),
            oidc_client_secret=_env("OIDC_CLIENT_SECRET", "dev-client-secret"),
            admin_emails=_words(_env("ADMIN_EMAILS", "")),
            oidc_admin_group=_env("OIDC_ADMIN_GROUP", "") or None,
            session_idle_minutes=idle,
            # Secure cookies are not sent over http://localhost: development turns them off by default.
            cookie_secure=_env("SESSION_COOKIE_SECURE", "true" if public.startswith("https://") else "false")
            .lower() in ("1", "true", "yes"),
            log_level=_env("LOG_LEVEL", "INFO").upper(),
        )
        settings.check()
        return settings

    def check(self) -> None:
        if self.app_env not in ("development", "test", "production"):
            raise ConfigError(f"APP_ENV must be development, test or production, got {self.app_env!r}")
        if self.session_idle_minutes < 1:
            raise ConfigError("SESSION_IDLE_MINUTES must be at least 1")
        if not self.production:
            return
        if self.oidc_issuer == DEV_ISSUER or not self.oidc_issuer.startswith("https://"):
            raise ConfigError("production refuses the development OpenID provider: set OIDC_ISSUER to the "
                              "clinic's provider (an https:// issuer)")
        if self.oidc_client_id == DEV_CLIENT_ID:
            raise ConfigError("production needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET of the registered app")
        if self.jwt_secret == DEV_JWT_SECRET or len(self.jwt_secret) < 32:
            raise ConfigError("production needs JWT_SECRET set to a random value of 32+ characters")
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            raise ConfigError("production needs WEB_SECRET_KEY set to a random value of 32+ characters")
        if not self.cookie_secure:
            raise ConfigError("production needs Secure cookies (SESSION_COOKIE_SECURE=true)")
