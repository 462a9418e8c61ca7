"""Abuse limits: how often one client address may open join links or fail to authenticate.

A token bucket per address: `per_minute` requests may come at once, then one more every
60/per_minute seconds, so a steady client is never cut off at a window's edge and a guesser is
held to the rate. A refused request is not counted, so waiting always helps.

The buckets live in the worker's memory. With several gunicorn workers (WEB_CONCURRENCY) each
worker keeps its own, so one address gets up to workers x the limit; that still bounds guessing
without a shared store. The address is the peer the worker sees (`request.remote_addr`): behind a
reverse proxy that peer is the proxy, so have it pass the client's address (werkzeug's ProxyFix)
or every client shares one bucket.

Set with RATE_LIMIT_JOIN_PER_MINUTE (default 30) and RATE_LIMIT_AUTH_FAILURES_PER_MINUTE
(default 20); 0 turns a limit off.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request

from shared.config import ConfigError, Settings

JOIN_PER_MINUTE = 30
AUTH_FAILURES_PER_MINUTE = 20
PAGE_LINK_REQUESTS_PER_MINUTE = 5


class RateLimiter:
    """Token buckets keyed by client address; thread-safe (gthread workers share one)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        if per_minute < 0:
            raise ValueError("per_minute must be 0 (off) or more")
        self.per_minute = per_minute
        self.clock = clock
        self._refill_per_second = per_minute / 60
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._lock = threading.Lock()
        self._swept_at: float | None = None

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def wait_seconds(self, key: str) -> int:
        """Seconds before `key` may try again (0: now); counts nothing."""
        if not self.enabled:
            return 0
        with self._lock:
            return self._wait(self._tokens(key, self.clock()))

    def acquire(self, key: str) -> int:
        """Count one request of `key` if it may go ahead and return 0; else the seconds to wait."""
        if not self.enabled:
            return 0
        with self._lock:
            now = self.clock()
            tokens = self._tokens(key, now)
            if tokens < 1:
                return self._wait(tokens)
            self._buckets[key] = (tokens - 1, now)
            self._forget_full_buckets(now)
            return 0

    def _tokens(self, key: str, now: float) -> float:
        tokens, counted_at = self._buckets.get(key, (self.per_minute, now))
        return min(self.per_minute, tokens + (now - counted_at) * self._refill_per_second)

    def _wait(self, tokens: float) -> int:
        return 0 if tokens >= 1 else max(1, math.ceil((1 - tokens) / self._refill_per_second))

    def _forget_full_buckets(self, now: float) -> None:
        # A bucket refills within a minute; a full one says nothing, so memory stays bounded by
        # the addresses seen in about the last minute.
        if self._swept_at is None:
            self._swept_at = now
        if now - self._swept_at < 60:
            return
        self._swept_at = now
        self._buckets = {key: (tokens, at) for key, (tokens, at) in self._buckets.items()
                         if tokens + (now - at) * self._refill_per_second < self.per_minute}


@dataclass(frozen=True)
class AbuseLimits:
    join: RateLimiter
    auth_failures: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> "AbuseLimits":
        return cls(join=RateLimiter(_per_minute(settings, "RATE_LIMIT_JOIN_PER_MINUTE", JOIN_PER_MINUTE)),
                   auth_failures=RateLimiter(_per_minute(settings, "RATE_LIMIT_AUTH_FAILURES_PER_MINUTE",
                                                         AUTH_FAILURES_PER_MINUTE)))


@dataclass(frozen=True)
class PageLinkRequestLimits:
    """The fresh-link page: per caller address, and per email address asked about (so nobody's
    inbox can be flooded from many addresses). RATE_LIMIT_PAGE_LINK_REQUESTS_PER_MINUTE (default 5)."""

    by_caller: RateLimiter
    by_email: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> "PageLinkRequestLimits":
        per_minute = _per_minute(settings, "RATE_LIMIT_PAGE_LINK_REQUESTS_PER_MINUTE", PAGE_LINK_REQUESTS_PER_MINUTE)
        return cls(by_caller=RateLimiter(per_minute), by_email=RateLimiter(max(1, per_minute // 2) if per_minute else 0))


def _per_minute(settings: Settings, name: str, default: int) -> int:
    raw = settings.get(name, str(default))
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number (0 turns the limit off), got {raw!r}") from exc
    if value < 0:
        raise ConfigError(f"{name} must be 0 (off) or more, got {value}")
    return value


def abuse_limits() -> AbuseLimits:
    return current_app.extensions["iop_abuse_limits"]


def client_address() -> str:
    return request.remote_addr or "unknown"
