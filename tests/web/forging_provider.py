"""An OpenID provider that signs whatever id token a test asks for: a real HTTP server (discovery,
JWKS, token endpoint) whose answers can be forged (wrong nonce, issuer or audience, expired)."""
from __future__ import annotations

import threading
import time

from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from tests.support.processes import free_port


class ForgingProvider:
    def __init__(self):
        self.port = free_port()
        self.issuer = f"http://localhost:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "forger-1", "use": "sig", "alg": "RS256"})
        self.next_claims: dict = {}  # claims of the next id token; "nonce" is filled from the request
        self.codes: dict[str, str] = {}  # code -> the nonce of the authorization request it answers
        app = Flask(__name__)

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(issuer=self.issuer, authorization_endpoint=f"{self.issuer}/authorize",
                           token_endpoint=f"{self.issuer}/token", jwks_uri=f"{self.issuer}/jwks",
                           end_session_endpoint=f"{self.issuer}/logout", response_types_supported=["code"],
                           id_token_signing_alg_values_supported=["RS256"], subject_types_supported=["public"])

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.post("/token")
        def token():
            code = request.form.get("code", "")
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": request.form.get("client_id") or "iop-web-test",
                      "sub": "subject-1", "iat": now, "exp": now + 300, "nonce": self.codes.get(code, ""),
                      "email": "admin@clinic.example", "email_verified": True, **self.next_claims}
            id_token = jwt.encode({"alg": "RS256", "kid": "forger-1"}, claims, self.key)
            return jsonify(access_token="at-" + code, token_type="Bearer", expires_in=300, id_token=id_token)

        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "ForgingProvider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
