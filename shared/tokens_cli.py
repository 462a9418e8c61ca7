"""Mint a development token: `iop-token --role admin` or `iop-token --role facilitator --sub <id>`.

Uses JWT_SECRET from the environment (the development default otherwise), like the services.
"""
from __future__ import annotations

import argparse
import os
import re
import uuid
from datetime import timedelta

from shared.auth import ROLES, mint_token
from shared.config import DEV_JWT_SECRET


def _ttl(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([smhd])", text)
    if not match:
        raise argparse.ArgumentTypeError("use a number and a unit: 90s, 30m, 8h, 7d")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", choices=ROLES, required=True)
    parser.add_argument("--sub", help="facilitator or participant id (admins: any id; default: a new one)")
    parser.add_argument("--ttl", type=_ttl, default=timedelta(hours=8), help="lifetime, e.g. 30m, 8h (default 8h)")
    args = parser.parse_args(argv)
    secret = os.environ.get("JWT_SECRET") or DEV_JWT_SECRET
    print(mint_token(secret, args.role, args.sub or str(uuid.uuid4()), args.ttl))


if __name__ == "__main__":
    main()
