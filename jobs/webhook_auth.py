"""The webhook's request-signing scheme: one definition for the server, Python clients and tests.

Scheme (the Apps Script client in ``appscript/`` implements exactly the same):

* ``message = f"{timestamp}.".encode() + raw_body`` — ``timestamp`` is the integer Unix time
  in seconds as decimal ASCII, ``raw_body`` the exact request body bytes (empty for GET);
* ``signature = HMAC-SHA256(key=secret.encode("utf-8"), message)`` as lowercase hex;
* sent as headers ``X-Gbess-Timestamp: <timestamp>`` and ``X-Gbess-Signature: <hex>``.

The server accepts a timestamp within ``window_s`` (300 s) of its own clock either way and
compares signatures in constant time (``hmac.compare_digest``).
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Gbess-Timestamp"
SIGNATURE_HEADER = "X-Gbess-Signature"


class SignatureError(ValueError):
    """A signed request is missing a header, malformed, stale or wrongly signed."""


def signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """The lowercase hex HMAC-SHA256 of ``f"{timestamp_s}.".encode() + body``.

    Args:
        secret: Shared secret (``GBESS_HMAC_SECRET``), UTF-8 encoded as the key.
        timestamp_s: Unix time of signing [s].
        body: The exact request body [bytes]; ``b""`` for GET.
    """
    message = f"{int(timestamp_s)}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_request(secret: str, body: bytes, timestamp_s: int) -> dict[str, str]:
    """The two headers that authenticate a request with ``body`` sent at ``timestamp_s``.

    Args:
        secret: Shared secret (``GBESS_HMAC_SECRET``).
        body: The exact request body [bytes]; ``b""`` for GET.
        timestamp_s: Unix time of sending [s].
    """
    return {
        TIMESTAMP_HEADER: str(int(timestamp_s)),
        SIGNATURE_HEADER: signature(secret, timestamp_s, body),
    }


def verify_signature(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now_s: float,
    window_s: int = 300,
) -> int:
    """Check a signed request; return its timestamp or raise :class:`SignatureError`.

    Args:
        secret: Shared secret (``GBESS_HMAC_SECRET``).
        timestamp_header: Value of ``X-Gbess-Timestamp`` (decimal Unix seconds).
        signature_header: Value of ``X-Gbess-Signature`` (hex HMAC-SHA256).
        body: The exact request body received [bytes].
        now_s: The verifier's current Unix time [s].
        window_s: Largest accepted difference between ``now_s`` and the timestamp [s].
    """
    if not timestamp_header or not signature_header:
        missing = TIMESTAMP_HEADER if not timestamp_header else SIGNATURE_HEADER
        raise SignatureError(f"missing header {missing}")
    raw_ts = timestamp_header.strip()
    if not raw_ts.isascii() or not raw_ts.isdigit() or len(raw_ts) > 12:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be integer Unix seconds")
    timestamp_s = int(raw_ts)
    if abs(now_s - timestamp_s) > window_s:
        raise SignatureError(f"{TIMESTAMP_HEADER} is more than {window_s} s from the server clock")
    expected = signature(secret, timestamp_s, body).encode("ascii")
    given = signature_header.strip().lower().encode("utf-8", "replace")
    if not hmac.compare_digest(expected, given):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body and timestamp")
    return timestamp_s
