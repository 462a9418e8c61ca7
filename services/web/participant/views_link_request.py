"""Asking for a fresh link by email. The answer never tells whether the address is known: roster
answers 202 to every request and emails a link only to a registered participant's address."""
from __future__ import annotations

from flask import render_template, request

from services.web.api_client import ApiError, system_api
from services.web.participant import participant
from services.web.participant.settings import page_settings
from shared.rate_limit import client_address


@participant.get("/link")
def ask_for_link():
    return render_template("participant/link_request.html", values={}, errors={})


@participant.post("/link")
def send_link():
    email = request.form.get("email", "").strip()
    if "@" not in email or len(email) > 254 or " " in email:
        return render_template("participant/link_request.html", values={"email": email},
                               errors={"email": ["Enter the email address your messages come to."]}), 422
    wait = page_settings().link_requests.acquire(client_address())
    if wait:
        response = render_template("participant/link_request.html", values={"email": email}, errors={},
                                   too_many=True)
        return response, 429, {"Retry-After": str(wait)}
    # The web app itself asks (the endpoint needs no token): it is the same call for any address.
    try:
        system_api().post("roster", "/v1/page-link-requests", {"email": email})
    except ApiError as refused:
        if refused.status != 422:
            raise
        return render_template("participant/link_request.html", values={"email": email},
                               errors={"email": ["Enter the email address your messages come to."]}), 422
    return render_template("participant/link_sent.html")
