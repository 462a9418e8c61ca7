"""Turning the audit on in a service's app, from its settings.

AUDIT_ENABLED (default true) exists for the benchmark's comparison only (bench runs production
settings, so it is not refused there; it is logged as a warning).
AUDIT_FLUSH_SECONDS (default 0.5) and AUDIT_FLUSH_ROWS (default 500) pace the read buffer.
"""
from __future__ import annotations

import logging

from flask import Flask

from shared.audit.buffer import AuditBuffer
from shared.audit.hook import install_audit
from shared.config import ConfigError
from shared.web.context import ServiceContext

log = logging.getLogger(__name__)


def audit_enabled(context: ServiceContext) -> bool:
    enabled = context.settings.get("AUDIT_ENABLED", "true").lower() not in ("false", "0", "no", "off")
    if not enabled:
        log.warning("the access audit is OFF (AUDIT_ENABLED=false): no access is recorded")
    return enabled


def setup_audit(app: Flask, context: ServiceContext) -> AuditBuffer | None:
    if not audit_enabled(context):
        return None
    settings = context.settings
    try:
        buffer = AuditBuffer(context.engine, context.audit, float(settings.get("AUDIT_FLUSH_SECONDS", "0.5")),
                             int(settings.get("AUDIT_FLUSH_ROWS", "500")))
    except ValueError as exc:
        raise ConfigError(f"AUDIT_FLUSH_SECONDS and AUDIT_FLUSH_ROWS must be numbers: {exc}") from exc
    install_audit(app, context.session_factory, context.audit, buffer)
    return buffer
