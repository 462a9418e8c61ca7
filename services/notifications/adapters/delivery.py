"""The one error every channel adapter raises when a message could not be handed over.

The sender decides from `retryable` whether to try again with back-off (the provider was down or
busy) or to mark the notification failed for good (the address or number was rejected). The reason
is written for logs, so it never contains an address, a phone number or message content.
"""
from __future__ import annotations


class DeliveryFailed(Exception):
    def __init__(self, reason: str = "delivery failed", *, retryable: bool, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        # The SMTP reply code or HTTP status when the provider answered, None when it never did.
        self.status = status

    def __repr__(self) -> str:
        return f"DeliveryFailed({self.reason!r}, retryable={self.retryable}, status={self.status})"
