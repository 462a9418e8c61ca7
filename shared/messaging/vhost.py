"""A RabbitMQ virtual host of one's own, so that a stack only sees its own events.

`make run` uses `iop-dev`, each test session one of its own: queued events of an earlier run or of a
test suite never reach another's consumers. A vhost is made with rabbitmqctl when it is on this
machine, else through the management API (RABBITMQ_MANAGEMENT_URL, default port 15672 on the
broker's host). `python -m shared.messaging.vhost ensure|delete AMQP_URL` does the same from a shell.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from urllib.parse import quote, unquote, urlparse, urlunparse


class VhostError(RuntimeError):
    """Neither rabbitmqctl nor the management API could make (or delete) the virtual host."""


def vhost_of(amqp_url: str) -> str:
    path = urlparse(amqp_url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def with_vhost(amqp_url: str, vhost: str) -> str:
    """The same broker URL with another virtual host."""
    return urlunparse(urlparse(amqp_url)._replace(path="/" + quote(vhost, safe="")))


def ensure_vhost(amqp_url: str) -> None:
    """Create the URL's virtual host if missing and give its user every permission on it."""
    vhost, user = vhost_of(amqp_url), urlparse(amqp_url).username or "guest"
    if vhost == "/":
        return
    _either(lambda: (_ctl("add_vhost", vhost, ok_if="already exists"),
                     _ctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")),
            lambda: (_api(amqp_url, "PUT", f"/vhosts/{quote(vhost, safe='')}", {}),
                     _api(amqp_url, "PUT", f"/permissions/{quote(vhost, safe='')}/{quote(user, safe='')}",
                          {"configure": ".*", "write": ".*", "read": ".*"})))


def delete_vhost(amqp_url: str) -> None:
    vhost = vhost_of(amqp_url)
    if vhost == "/":
        return
    _either(lambda: _ctl("delete_vhost", vhost, ok_if="does not exist"),
            lambda: _api(amqp_url, "DELETE", f"/vhosts/{quote(vhost, safe='')}", None))


def _either(by_ctl, by_api) -> None:
    errors = []
    if shutil.which("rabbitmqctl"):
        try:
            by_ctl()
            return
        except (OSError, subprocess.SubprocessError) as error:
            errors.append(f"rabbitmqctl: {error}")
    try:
        by_api()
    except (OSError, urllib.error.URLError) as error:
        errors.append(f"management API: {error}")
        raise VhostError("; ".join(errors)) from error


def _ctl(*args: str, ok_if: str | None = None) -> None:
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and not (ok_if and ok_if in (done.stdout + done.stderr)):
        raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr)


def _api(amqp_url: str, method: str, path: str, body: dict | None) -> None:
    parsed = urlparse(amqp_url)
    base = os.environ.get("RABBITMQ_MANAGEMENT_URL") or f"http://{parsed.hostname or '127.0.0.1'}:15672"
    credentials = f"{unquote(parsed.username or 'guest')}:{unquote(parsed.password or 'guest')}"
    request = urllib.request.Request(
        base.rstrip("/") + "/api" + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()})
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except urllib.error.HTTPError as error:
        if not (method == "DELETE" and error.code == 404):
            raise


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("ensure", "delete"):
        print("usage: python -m shared.messaging.vhost ensure|delete AMQP_URL", file=sys.stderr)
        return 2
    try:
        (ensure_vhost if argv[0] == "ensure" else delete_vhost)(argv[1])
    except VhostError as error:
        print(f"could not {argv[0]} the RabbitMQ virtual host {vhost_of(argv[1])!r}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
