"""Hands rendered messages to the email and SMS providers over a few parallel lanes.

One SMTP round trip per message is the cost of sending; waiting for each before rendering the next
would add our time and the mail server's. So a batch is delivered by `lanes` threads, each with
its own SMTP connection (kept for the whole batch) and its own SMS HTTP session, fed from a queue
while the scheduler renders the next messages. Threads are right here: the work is waiting on
sockets, which releases the GIL.

A provider found unreachable (no answer at all) is not tried again within the batch: the lanes
fail its remaining messages at once with the same retryable error, instead of each waiting out a
timeout, and the scheduler retries them later with back-off.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from services.notifications.adapters.delivery import DeliveryFailed
from services.notifications.adapters.email_smtp import SmtpEmailSender
from services.notifications.adapters.sms_webhook import SmsWebhookSender
from services.notifications.domain.messages import Channel, RenderedMessage


@dataclass(frozen=True)
class Parcel:
    notification_id: str
    channel: Channel
    address: str  # an email address or a phone number: never logged
    message: RenderedMessage


class Courier:
    def __init__(self, email: SmtpEmailSender, sms_factory: Callable[[], SmsWebhookSender] | None,
                 lanes: int = 4):
        self.email = email
        self.sms_factory = sms_factory
        self.lanes = max(1, lanes)

    def round(self) -> "DeliveryRound":
        return DeliveryRound(self)


class DeliveryRound:
    """One batch's deliveries: `send` parcels as they are ready, then `finish` for the results."""

    def __init__(self, courier: Courier):
        self.courier = courier
        self.results: dict[str, DeliveryFailed | None] = {}  # None: accepted by the provider
        self._down: dict[Channel, DeliveryFailed] = {}
        self._queue: queue.Queue[Parcel | None] = queue.Queue(maxsize=courier.lanes * 8)
        self._threads: list[threading.Thread] = []

    def send(self, parcel: Parcel) -> None:
        if not self._threads:  # started on the first parcel: a batch of in-app notices needs none
            self._threads = [threading.Thread(target=self._lane, name=f"courier-{n}", daemon=True)
                             for n in range(self.courier.lanes)]
            for thread in self._threads:
                thread.start()
        self._queue.put(parcel)

    def finish(self) -> dict[str, DeliveryFailed | None]:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        return self.results

    def _lane(self) -> None:
        sms = self.courier.sms_factory() if self.courier.sms_factory else None
        try:
            with self.courier.email.connection() as smtp:
                while (parcel := self._queue.get()) is not None:
                    self.results[parcel.notification_id] = self._deliver(parcel, smtp, sms)
        finally:
            if sms is not None:
                sms.close()

    def _deliver(self, parcel: Parcel, smtp, sms: SmsWebhookSender | None) -> DeliveryFailed | None:
        if parcel.channel in self._down:
            return self._down[parcel.channel]
        try:
            if parcel.channel is Channel.EMAIL:
                smtp.send(parcel.address, parcel.message, parcel.notification_id)
            elif parcel.channel is Channel.SMS and sms is not None:
                sms.send(parcel.address, parcel.message.text, parcel.notification_id)
            else:
                return DeliveryFailed(f"no provider for {parcel.channel}", retryable=False)
        except DeliveryFailed as failure:
            if failure.retryable and failure.status is None:
                self._down[parcel.channel] = failure
            return failure
        except Exception as error:  # noqa: BLE001 - a bug in one message must not lose the batch's results
            return DeliveryFailed(f"unexpected {type(error).__name__}", retryable=True)
        return None
