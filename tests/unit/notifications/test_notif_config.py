"""The notifications settings: defaults, a neutral sender whatever SMTP_FROM says, bad values refused."""
import dataclasses
from datetime import timedelta

import pytest

from services.notifications.config import NotificationSettings
from shared.config import ConfigError, Settings


def settings(app_env="development", jwt_secret="s" * 40, **extra) -> Settings:
    return Settings(service="notifications", app_env=app_env, database_url="sqlite:///:memory:",
                    amqp_url="amqp://", jwt_secret=jwt_secret, public_base_url="http://localhost:8003", extra=extra)


def test_defaults():
    config = NotificationSettings.from_settings(settings())
    assert (config.smtp_host, config.smtp_port) == ("127.0.0.1", 1025)
    assert config.smtp_from == "no-reply@groupsessions.local"
    assert config.sms_webhook_url is None and config.sessions_public_url == "http://localhost:8002"
    assert config.reminder_offsets == [timedelta(hours=24), timedelta(hours=1)]
    assert config.join_secret == "s" * 40  # the JWT secret, as sessions uses


def test_only_the_address_of_smtp_from_is_used():
    config = NotificationSettings.from_settings(settings(SMTP_FROM="Recovery Clinic <no-reply@example.org>"))
    assert config.smtp_from == "no-reply@example.org"


def test_retry_delays_double_up_to_the_cap():
    config = dataclasses.replace(NotificationSettings.from_settings(settings()), retry_base=10, retry_max=60)
    assert [config.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]


@pytest.mark.parametrize("extra", [{"SMTP_PORT": "mail"}, {"REMINDER_OFFSETS": "soon"}])
def test_bad_values_are_refused_with_a_clear_error(extra):
    with pytest.raises(ConfigError):
        NotificationSettings.from_settings(settings(**extra))


def test_production_refuses_a_short_join_link_secret():
    with pytest.raises(ConfigError):
        NotificationSettings.from_settings(settings(app_env="production", JOIN_LINK_SECRET="short"))
