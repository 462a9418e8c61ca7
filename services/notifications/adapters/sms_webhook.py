"""SMS through an HTTP provider: one JSON POST per message to the configured webhook URL.

The provider gets an idempotency key (in the body and the `Idempotency-Key` header) so that a retry
after a timeout, when we cannot know whether the first POST arrived, does not text someone twice.
"""
from __future__ import annotations

import requests

from services.notifications.adapters.delivery import DeliveryFailed

# 408 and 429 are 4xx answers that mean "not now" rather than "never": retrying later can succeed.
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


class SmsWebhookSender:
    """Holds one HTTP session for keep-alive; like requests.Session, use one sender per thread."""

    def __init__(self, url: str, timeout: float = 5):
        self.url = url
        self.timeout = timeout
        self._http = requests.Session()

    def send(self, to_phone: str, text: str, idempotency_key: str) -> None:
        """POST {"to", "text", "idempotency_key"}; any 2xx is accepted, anything else raises."""
        try:
            response = self._http.post(
                self.url,
                json={"to": to_phone, "text": text, "idempotency_key": idempotency_key},
                headers={"Idempotency-Key": idempotency_key},
                timeout=self.timeout,
                # A redirect from a provider webhook is a misconfiguration, and following one
                # would turn the POST into a GET that silently sends nothing.
                allow_redirects=False,
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            raise DeliveryFailed(
                f"SMS webhook unreachable ({type(error).__name__})", retryable=True,
            ) from None  # requests' messages repeat the URL, which may carry the provider's key
        except requests.RequestException as error:
            raise DeliveryFailed(
                f"SMS webhook request failed ({type(error).__name__})", retryable=False,
            ) from None
        status = response.status_code
        response.close()
        if 200 <= status < 300:
            return
        retryable = status >= 500 or status in _RETRYABLE_CLIENT_ERRORS
        raise DeliveryFailed(f"SMS webhook answered {status}", retryable=retryable, status=status)

    def close(self) -> None:
        self._http.close()
