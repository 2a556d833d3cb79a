"""``gbess sign``: signature headers for one request, ready for curl (scheme v2).

    export GBESS_HMAC_SECRET=$(gbess sign --new-secret)
    curl -sS http://127.0.0.1:8080/v1/lookup -H 'Content-Type: application/json' \\
        $(gbess sign POST /v1/lookup --data '{"queries":["SW1A 1AA"]}') \\
        --data '{"queries":["SW1A 1AA"]}'

Prints ``--header Name:value`` for each header (no spaces inside a value, so ``$(...)``
splits it into curl arguments correctly), or ``--json``. The secret is read from
``GBESS_HMAC_SECRET``, never from the command line (it would land in shell history and
``ps``). ``--new-secret`` prints a fresh one; ``--check-secret`` says whether the current
one is strong enough for the server and shows its fingerprint (not the secret), so two
machines can be compared. Each run signs with a fresh nonce: a signature is good for one
request within 300 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from engine.errors import ValidationError
from jobs.cli._common import add_json_flag, emit_json
from jobs.settings import Settings
from jobs.webhook_auth import new_secret, secret_fingerprint, secret_weakness, sign_request_v2

SECRET_SETTING = "GBESS_HMAC_SECRET"


def register(sub: Any) -> None:
    """Add the ``sign`` subcommand."""
    parser = sub.add_parser(
        "sign",
        help="print v2 signature headers for a request (curl-ready); manage the secret",
        description=(
            "Sign METHOD PATH[?QUERY] with the body given, using GBESS_HMAC_SECRET from the "
            "environment; prints curl -H arguments. --new-secret prints a fresh secret, "
            "--check-secret checks the current one."
        ),
    )
    parser.add_argument("method", nargs="?", help="HTTP method, e.g. POST")
    parser.add_argument("path", nargs="?", help="request path with any query, e.g. /v1/lookup")
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--data", help="the exact request body (as curl --data sends it)")
    body.add_argument("--data-file", type=Path, help="read the exact body from this file")
    parser.add_argument("--timestamp-s", type=int, help="signing time [Unix s] (default: now)")
    parser.add_argument(
        "--new-secret", action="store_true", help="print a fresh 256-bit secret and exit"
    )
    parser.add_argument(
        "--check-secret",
        action="store_true",
        help="check GBESS_HMAC_SECRET's strength and print its fingerprint",
    )
    add_json_flag(parser)
    parser.set_defaults(handler=handle)


def _secret() -> str:
    secret = os.environ.get(SECRET_SETTING, "").strip()
    if not secret:
        raise ValidationError(
            f"{SECRET_SETTING} is not set: export it (the server's secret), or make one with "
            f"`gbess sign --new-secret`",
            field=SECRET_SETTING,
        )
    return secret


def signed_headers(args: argparse.Namespace, secret: str, now_s: int) -> dict[str, str]:
    """The v2 headers for the request described by ``args``."""
    if not args.method or not args.path:
        raise ValidationError("give METHOD and PATH, e.g. `gbess sign GET /v1/openapi.json`")
    path, _, query = str(args.path).partition("?")
    if not path.startswith("/"):
        raise ValidationError(f"path: must start with '/', got {path!r}", field="path")
    if args.data_file is not None:
        try:
            body = args.data_file.read_bytes()
        except OSError as exc:
            raise ValidationError(
                f"--data-file: cannot read {args.data_file}: {exc.strerror}", field="data_file"
            ) from None
    else:
        body = (args.data or "").encode("utf-8")
    timestamp_s = args.timestamp_s if args.timestamp_s is not None else now_s
    return sign_request_v2(secret, args.method, path, query, body, timestamp_s)


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Print headers, a new secret, or the current secret's check."""
    if args.new_secret:
        sys.stdout.write(new_secret() + "\n")
        return 0
    if args.check_secret:
        secret = _secret()
        weakness = secret_weakness(secret)
        report = {
            "fingerprint": secret_fingerprint(secret),
            "characters": len(secret),
            "ok": weakness is None,
            "problem": weakness,
        }
        if args.json:
            emit_json(report)
        else:
            verdict = "ok" if weakness is None else f"too weak: {weakness}"
            sys.stdout.write(
                f"{SECRET_SETTING}: {len(secret)} characters, fingerprint "
                f"{report['fingerprint']}, {verdict}\n"
            )
        return 0 if weakness is None else 1
    headers = signed_headers(args, _secret(), int(time.time()))
    if args.json:
        emit_json(headers)
    else:
        sys.stdout.write(" ".join(f"--header {name}:{value}" for name, value in headers.items()))
        sys.stdout.write("\n")
    return 0
