"""The scheduler: claims due notifications in batches, decides, renders and delivers each, and
records the outcome. Run as its own process (entrypoints/scheduler.py); several may run at once.

Per batch: one short transaction to claim, one to read the facts, the sending outside any
transaction (adapters/courier.py: a few lanes, each with one SMTP connection for the whole batch),
one to record. In-app notifications are delivered by storing their rendered title and text.
"""
from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from services.notifications.adapters import claims
from services.notifications.adapters.claims import Outcome
from services.notifications.adapters.courier import Courier, Parcel
from services.notifications.adapters.delivery import DeliveryFailed
from services.notifications.adapters.join_links import JoinLinks
from services.notifications.adapters.templates import render
from services.notifications.config import NotificationSettings
from services.notifications.domain.dispatch import Defer, Retry, Suppress, decide
from services.notifications.domain.messages import Channel, MessageTooLong
from services.notifications.domain.model import Notification, Reason, Status
from services.notifications.service_layer.batch_facts import BatchFacts
from services.notifications.service_layer.compose import MissingLocation, compose
from shared.logging import correlation
from shared.metrics import NOTIFICATIONS
from shared.worker import GracefulStop, Heartbeat, backoff_delays

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, session_factory, config: NotificationSettings, courier: Courier, join_links: JoinLinks,
                 stop: GracefulStop | None = None, heartbeat: Heartbeat | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.session_factory = session_factory
        self.config = config
        self.courier = courier
        self.join_links = join_links
        self.stop = stop or GracefulStop()
        self.heartbeat = heartbeat or Heartbeat(None)
        self.clock = clock
        self._abandoned: list[str] = []  # claim tokens of batches that failed before sending

    def run(self) -> None:
        log.info("scheduler started")
        while not self.stop.requested:
            self.heartbeat.beat()
            try:
                handled = self.run_once()
            except Exception:  # noqa: BLE001 - database down: keep the loop alive and try again
                log.exception("scheduler batch failed; retrying")
                self.stop.wait(1.0)
                continue
            if handled < self.config.batch_size:  # a full batch means more are due: go again at once
                self.stop.wait(self.config.idle_poll)
        log.info("scheduler stopped")

    def run_once(self) -> int:
        """Claim, deliver and record one batch; returns how many notifications it held."""
        now = self.clock()
        self._release_abandoned(now)
        token = str(uuid.uuid4())
        # Until sending starts, a failure (the database going away) abandons a claim that sent
        # nothing: it is released on the next round rather than left to wait out its lease.
        self._abandoned.append(token)
        token, batch = claims.claim(self.session_factory, self.config.batch_size, now, self.config.lease, token)
        if not batch:
            self._abandoned.remove(token)
            return 0
        facts = BatchFacts.load(self.session_factory, batch, now)
        self._abandoned.remove(token)  # from here on messages go out: only the lease hands them on
        outcomes = self.deliver(batch, facts, now)
        self._record(token, outcomes)
        for n, outcome in zip(batch, outcomes):
            if outcome.status != Status.PENDING or outcome.last_error:  # final, or a failed try
                status = "retried" if outcome.status == Status.PENDING else str(outcome.status)
                NOTIFICATIONS.labels(n.channel, status).inc()
            if outcome.status != Status.PENDING:
                _log_outcome(n, outcome)
        log.info("notification batch done", extra={"count": len(batch)})
        return len(batch)

    def _release_abandoned(self, now: datetime) -> None:
        while self._abandoned:
            released = claims.release(self.session_factory, self._abandoned[0], now)
            self._abandoned.pop(0)
            if released:
                log.warning("released an abandoned claim", extra={"count": released})

    def _record(self, token: str, outcomes: list[Outcome]) -> None:
        """Write the outcomes, trying hard: what is not recorded is sent again when the lease ends."""
        for delay in backoff_delays(0.5, 5.0):
            try:
                claims.record(self.session_factory, token, outcomes, self.clock())
                return
            except Exception:  # noqa: BLE001 - the database is away: the sends are done, wait for it
                log.exception("could not record a batch's outcomes; retrying", extra={"count": len(outcomes)})
                if self.stop.requested:
                    raise  # shutting down: the rows go to another scheduler when their lease ends
                self.heartbeat.beat()
                self.stop.wait(delay)

    def deliver(self, batch: list[Notification], facts: BatchFacts, now: datetime) -> list[Outcome]:
        outcomes: dict[str, Outcome] = {}
        posted: dict[str, tuple[Notification, str]] = {}  # id -> (notification, rendered kind)
        deliveries = self.courier.round()
        try:
            for n in batch:
                result = self._prepare(n, facts, now)
                if isinstance(result, Outcome):
                    outcomes[n.id] = result
                else:
                    kind, parcel = result
                    posted[n.id] = (n, kind)
                    deliveries.send(parcel)
        finally:
            results = deliveries.finish()
        for notification_id, (n, kind) in posted.items():
            outcomes[notification_id] = self._after_delivery(n, kind, results.get(notification_id), now)
        return [outcomes[n.id] for n in batch]

    def _prepare(self, n: Notification, facts: BatchFacts, now: datetime) -> Outcome | tuple[str, Parcel]:
        """Decide and render: an outcome if nothing needs a provider, else the parcel to deliver."""
        recipient = facts.recipients.get(n.recipient_id)
        decision = decide(n, recipient, facts.session(n), facts.is_member(n), now,
                          sms_provider=self.courier.sms_factory is not None)
        if isinstance(decision, Suppress):
            return Outcome(n.id, n.kind, Status.SUPPRESSED, now, n.attempts, reason=decision.reason)
        if isinstance(decision, Defer):
            return Outcome(n.id, n.kind, Status.PENDING, decision.until, n.attempts)
        if isinstance(decision, Retry):
            return self._failed_try(n, now, decision.reason, "recipient details not known yet")
        try:
            kind, context = compose(n, recipient, facts.for_notification(n), self.join_links)
            rendered = render(kind, n.channel, context)
        except MessageTooLong:
            return Outcome(n.id, n.kind, Status.FAILED, now, n.attempts, reason=Reason.MESSAGE_TOO_LONG)
        except MissingLocation:
            return Outcome(n.id, n.kind, Status.FAILED, now, n.attempts, reason=Reason.NO_LOCATION)
        except (ValueError, KeyError, AttributeError) as exc:
            log.error("notification could not be rendered", extra={"notification_id": n.id,
                                                                    "error": type(exc).__name__})
            return Outcome(n.id, n.kind, Status.FAILED, now, n.attempts, reason=Reason.RENDER_FAILED)
        channel = Channel(n.channel)
        if channel is Channel.IN_APP:  # stored is delivered
            return Outcome(n.id, kind, Status.SENT, now, n.attempts + 1, sent_at=self.clock(),
                           title=rendered.subject, body=rendered.text)
        address = recipient.email if channel is Channel.EMAIL else recipient.phone
        return kind, Parcel(n.id, channel, address, rendered)

    def _after_delivery(self, n: Notification, kind: str, failure: DeliveryFailed | None,
                        now: datetime) -> Outcome:
        if failure is None:
            return Outcome(n.id, kind, Status.SENT, now, n.attempts + 1, sent_at=self.clock())
        log.warning("delivery failed", extra={"notification_id": n.id, "channel": n.channel,
                                              "error": failure.reason, "attempts": n.attempts + 1})
        if failure.retryable:
            return self._failed_try(n, now, Reason.DELIVERY_FAILED, failure.reason)
        return Outcome(n.id, n.kind, Status.FAILED, now, n.attempts + 1, reason=Reason.DELIVERY_FAILED,
                       last_error=failure.reason[:300])

    def _failed_try(self, n: Notification, now: datetime, reason: Reason, error: str) -> Outcome:
        """A try that may work later: back off, or give up after the last allowed attempt."""
        attempts = n.attempts + 1
        if attempts >= self.config.max_attempts:
            return Outcome(n.id, n.kind, Status.FAILED, now, attempts, reason=reason, last_error=error[:300])
        return Outcome(n.id, n.kind, Status.PENDING, now + self.config.retry_delay(attempts), attempts,
                       last_error=error[:300])


def _log_outcome(n: Notification, outcome: Outcome) -> None:
    """One line per notification that reached its final status, under the correlation id of the
    request that caused it: ops follow one id from that request to this send."""
    under = correlation(n.correlation_id) if n.correlation_id else contextlib.nullcontext()
    with under:
        log.info("notification %s", outcome.status, extra={
            "notification_id": n.id, "channel": n.channel, "status": str(outcome.status),
            "attempts": outcome.attempts, "group_id": n.group_id, "session_id": n.session_id})
