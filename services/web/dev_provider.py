"""The development OpenID provider `make run` starts (oidc-provider-mock), for local use and tests.

Its sign-in page takes any subject: type the email of a registered facilitator (or of an
ADMIN_EMAILS admin) and it answers as a provider would for that person, with the email marked
verified. Production refuses it: this module will not start with APP_ENV=production, and the web
app refuses an http:// issuer there.

    python -m services.web.dev_provider --port 9400 [--token-max-age 3600]
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import timedelta

from flask import g, request


def build_app(token_max_age: int = 3600, admin_emails: tuple[str, ...] = (), admin_group: str | None = None):
    import oidc_provider_mock
    from oidc_provider_mock._storage import User

    def claims(email: str) -> dict:
        extra = {"groups": [admin_group]} if admin_group and email in admin_emails else {}
        return {"email": email, "email_verified": True, "name": email.split("@")[0], **extra}

    app = oidc_provider_mock.app(require_nonce=True, access_token_max_age=timedelta(seconds=token_max_age),
                                 user_claims=[User(sub=email, claims=claims(email)) for email in admin_emails])

    @app.before_request
    def _typed_subjects_have_verified_email():
        # The mock gives a typed subject {"email": sub} only; a real provider says the address is verified.
        if request.method == "POST" and request.path == "/oauth2/authorize":
            sub = (request.form.get("sub") or "").strip()
            storage = g.get("oidc_provider_mock_storage")
            if storage is not None and "@" in sub and storage.get_user(sub) is None:
                storage.store_user(User(sub=sub, claims=claims(sub.lower())))

    return app


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("APP_ENV") == "production":
        sys.exit("the development OpenID provider does not run with APP_ENV=production")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument("--token-max-age", type=int, default=3600, help="seconds an id token is valid")
    args = parser.parse_args(argv)
    admins = tuple(e.strip().lower() for e in os.environ.get("ADMIN_EMAILS", "").split(",") if e.strip())
    app = build_app(args.token_max_age, admins, os.environ.get("OIDC_ADMIN_GROUP") or None)
    logging.basicConfig(level=logging.WARNING)
    from werkzeug.serving import run_simple
    print(f"development OpenID provider on http://{args.host}:{args.port}", flush=True)
    run_simple(args.host, args.port, app, threaded=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
