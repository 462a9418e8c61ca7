"""Container health check with no dependency beyond the standard library (the images have no curl).

    python -m shared.healthcheck --url http://127.0.0.1:8001/readyz     # an API answers 200 in time
    python -m shared.healthcheck --heartbeat /tmp/heartbeat --max-age 60  # a worker's loop is turning

Exit status 0 means healthy, 1 unhealthy; the reason goes to stderr, which Docker keeps in the
container's health log.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def check_url(url: str, timeout: float) -> str | None:
    """None if the URL answers 200 within the timeout, otherwise why not."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, malformed URL
        return f"{url}: {exc}"
    return None if status == 200 else f"{url}: HTTP {status}"


def check_heartbeat(path: str, max_age: float) -> str | None:
    """None if the file was modified within max_age seconds, otherwise why not."""
    try:
        age = time.time() - os.stat(path).st_mtime
    except OSError as exc:
        return f"{path}: {exc.strerror}"
    return None if age <= max_age else f"{path}: last beat {age:.0f}s ago (max {max_age:.0f}s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.healthcheck", description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="URL that must answer HTTP 200")
    target.add_argument("--heartbeat", help="file a worker touches on every loop")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for --url (default 3)")
    parser.add_argument("--max-age", type=float, default=60.0, help="seconds a --heartbeat may be old (default 60)")
    args = parser.parse_args(argv)

    problem = check_url(args.url, args.timeout) if args.url else check_heartbeat(args.heartbeat, args.max_age)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
