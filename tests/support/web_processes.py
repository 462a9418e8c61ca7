"""The web console and the development OpenID provider as real processes, for the OIDC integration
tests and the browser tests: free ports, the test secret, ready when they answer."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import requests

from tests.support.processes import VENV_BIN, Process, free_port
from tests.support.tokens import TEST_SECRET

ADMIN_EMAIL = "admin@clinic.example"
WEB_SECRET_KEY = "test-web-session-key-" + "y" * 24


def _base_env() -> dict[str, str]:
    return {"PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}", "PYTHONUNBUFFERED": "1",
            **{key: os.environ[key] for key in ("HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}}


def wait_until_answers(url: str, process: Process, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{process.log()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{process.name} not answering {url} after {timeout}s:\n{process.log()[-3000:]}")
        time.sleep(0.1)


def start_provider(workdir: Path, name: str = "oidc", token_max_age: int = 3600) -> tuple[Process, str]:
    """The development provider; its issuer is the URL it is reached at (http://localhost:<port>)."""
    port = free_port()
    process = Process(name, [sys.executable, "-m", "services.web.dev_provider", "--port", str(port),
                             "--token-max-age", str(token_max_age)],
                      {**_base_env(), "APP_ENV": "test", "ADMIN_EMAILS": ADMIN_EMAIL}, workdir)
    issuer = f"http://localhost:{port}"
    wait_until_answers(f"{issuer}/.well-known/openid-configuration", process)
    return process, issuer


def web_env(issuer: str, api_urls: dict[str, str], port: int, **extra: str) -> dict[str, str]:
    return {**_base_env(), "APP_ENV": "test", "JWT_SECRET": TEST_SECRET, "WEB_SECRET_KEY": WEB_SECRET_KEY,
            "PUBLIC_BASE_URL": f"http://localhost:{port}", "OIDC_ISSUER": issuer,
            "OIDC_CLIENT_ID": "iop-web-test", "OIDC_CLIENT_SECRET": "test-client-secret",
            "ADMIN_EMAILS": ADMIN_EMAIL, "ROSTER_API_URL": api_urls["roster"],
            "SESSIONS_API_URL": api_urls["sessions"], "NOTIFICATIONS_API_URL": api_urls["notifications"],
            "SESSION_COOKIE_SECURE": "false", "PORT": str(port), "WEB_CONCURRENCY": "2", **extra}


def start_web(workdir: Path, issuer: str, api_urls: dict[str, str], name: str = "web",
              **extra: str) -> tuple[Process, str]:
    port = free_port()
    process = Process(name, [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
                             "services.web.entrypoints.wsgi:app"], web_env(issuer, api_urls, port, **extra), workdir)
    url = f"http://localhost:{port}"
    wait_until_answers(f"{url}/readyz", process)
    return process, url
