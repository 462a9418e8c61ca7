"""Settings refuse unsafe production set-ups; tokens carry exactly the three roles."""
from __future__ import annotations

from datetime import timedelta

import pytest

from shared.auth import AuthError, decode_token, mint_token
from shared.config import DEV_JWT_SECRET, ConfigError, Settings
from shared.tokens_cli import main as token_cli

SECRET = "s" * 40


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/roster")
    monkeypatch.delenv("JWT_SECRET", raising=False)
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        Settings.from_env("roster")
    monkeypatch.setenv("JWT_SECRET", "short")
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        Settings.from_env("roster")


def test_production_refuses_an_embedded_database(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Settings.from_env("roster")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/roster")
    assert Settings.from_env("roster").production


def test_development_defaults_are_usable_and_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("IOP_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("JWT_SECRET", raising=False)
    settings = Settings.from_env("sessions")
    assert settings.database_url == f"sqlite:///{tmp_path}/sessions.db"
    assert settings.jwt_secret == DEV_JWT_SECRET and settings.public_base_url == "http://localhost:8002"
    monkeypatch.setenv("AMQP_URL", "amqp://u:p@broker:5672/%2F")
    monkeypatch.setenv("SMTP_HOST", "")
    settings = Settings.from_env("sessions")
    assert settings.amqp_url == "amqp://u:p@broker:5672/%2F"
    assert settings.get("SMTP_HOST", "127.0.0.1") == "127.0.0.1"  # empty means unset


def test_a_bad_number_is_named(monkeypatch):
    monkeypatch.setenv("RELAY_BATCH_SIZE", "lots")
    with pytest.raises(ConfigError, match="RELAY_BATCH_SIZE"):
        Settings.from_env("roster")


def test_tokens_round_trip_and_reject_tampering():
    token = mint_token(SECRET, "facilitator", "f-1")
    principal = decode_token(token, SECRET)
    assert (principal.role, principal.sub) == ("facilitator", "f-1")
    with pytest.raises(AuthError):
        decode_token(token, "another-secret" * 3)
    header, payload, signature = token.split(".")
    import base64
    import json
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(AuthError):
        decode_token(f"{header}.{forged}.{signature}", SECRET)
    with pytest.raises(AuthError, match="expired"):
        decode_token(mint_token(SECRET, "admin", "a", ttl=timedelta(seconds=-1)), SECRET)


def test_a_token_that_verified_earlier_stops_working_when_it_expires(monkeypatch):
    import shared.auth
    token = mint_token(SECRET, "participant", "p-1", ttl=timedelta(minutes=5))
    assert decode_token(token, SECRET).sub == "p-1"  # verified, and remembered
    later = shared.auth.time.time() + 301
    monkeypatch.setattr(shared.auth.time, "time", lambda: later)
    with pytest.raises(AuthError, match="expired"):
        decode_token(token, SECRET)
    with pytest.raises(AuthError):  # the remembered token is no key for a changed secret either
        decode_token(token, "another-secret" * 3)


def test_an_unknown_role_is_refused():
    import jwt
    token = jwt.encode({"sub": "x", "role": "root", "exp": 9999999999}, SECRET, algorithm="HS256")
    with pytest.raises(AuthError):
        decode_token(token, SECRET)


def test_the_token_tool_mints_a_working_token(monkeypatch, capsys):
    monkeypatch.setenv("JWT_SECRET", SECRET)
    token_cli(["--role", "participant", "--sub", "p-9", "--ttl", "30m"])
    principal = decode_token(capsys.readouterr().out.strip(), SECRET)
    assert (principal.role, principal.sub) == ("participant", "p-9")
