"""Settings read from environment variables only, with safe development defaults.

Every process builds one `Settings` at start-up (never at import time) and passes it down.
Production mode refuses the development JWT secret and an embedded (SQLite) database.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789"
DEFAULT_PORTS = {"roster": 8001, "sessions": 8002, "notifications": 8003}
REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when the environment cannot run the service safely."""


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    service: str
    app_env: str
    database_url: str
    amqp_url: str
    jwt_secret: str
    public_base_url: str
    log_level: str = "INFO"
    heartbeat_file: str | None = None
    relay_batch_size: int = 2000
    consumer_prefetch: int = 50
    consumer_max_attempts: int = 5
    queue_type: str = "quorum"  # RABBITMQ_QUEUE_TYPE: classic only for a broker whose queues are classic
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    def get(self, name: str, default: str) -> str:
        """A service-specific setting (e.g. SMTP_HOST), read when the settings were built."""
        return self.extra.get(name, default)

    @classmethod
    def from_env(cls, service: str) -> "Settings":
        var_dir = Path(_env("IOP_VAR_DIR", str(REPO_ROOT / "var")))
        port = DEFAULT_PORTS.get(service, 8000)
        settings = cls(
            service=service,
            app_env=_env("APP_ENV", "development"),
            database_url=_env("DATABASE_URL", f"sqlite:///{var_dir / (service + '.db')}"),
            amqp_url=_env("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
            jwt_secret=_env("JWT_SECRET", DEV_JWT_SECRET),
            public_base_url=_env("PUBLIC_BASE_URL", f"http://localhost:{port}").rstrip("/"),
            log_level=_env("LOG_LEVEL", "INFO").upper(),
            heartbeat_file=os.environ.get("HEARTBEAT_FILE") or None,
            relay_batch_size=_int("RELAY_BATCH_SIZE", 2000),
            consumer_prefetch=_int("CONSUMER_PREFETCH", 50),
            consumer_max_attempts=_int("CONSUMER_MAX_ATTEMPTS", 5),
            queue_type=_env("RABBITMQ_QUEUE_TYPE", "quorum").lower(),
            extra={k: v for k, v in os.environ.items() if k.isupper() and v != ""},
        )
        settings.check()
        return settings

    def check(self) -> None:
        if self.app_env not in ("development", "test", "production"):
            raise ConfigError(f"APP_ENV must be development, test or production, got {self.app_env!r}")
        if self.queue_type not in ("quorum", "classic"):
            raise ConfigError(f"RABBITMQ_QUEUE_TYPE must be quorum or classic, got {self.queue_type!r}")
        if self.production:
            if self.jwt_secret == DEV_JWT_SECRET or len(self.jwt_secret) < 32:
                raise ConfigError("production needs JWT_SECRET set to a random value of 32+ characters")
            if not self.database_url.startswith("postgresql"):
                raise ConfigError("production needs DATABASE_URL pointing at PostgreSQL")
        if self.database_url.startswith("sqlite:///"):
            Path(self.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
