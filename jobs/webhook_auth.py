"""The webhook's request-signing schemes: one definition for the server, the CLI and tests.

**v2** (current; the Apps Script client in ``appscript/src/Webhook.gs`` implements exactly
the same). The client sends four headers::

    X-Gbess-Timestamp:      <integer Unix seconds>
    X-Gbess-Nonce:          <16-64 characters of A-Z a-z 0-9 _ ->, fresh per request
    X-Gbess-Content-SHA256: <lowercase hex SHA-256 of the exact body bytes (b"" for GET)>
    X-Gbess-Signature:      v2=<lowercase hex HMAC-SHA256(key=secret, canonical)>

where ``canonical`` is these seven lines joined by ``\\n`` (no trailing newline), UTF-8::

    gbess-v2
    <METHOD, upper case>
    <path, as routed, e.g. /v1/lookup>
    <query string exactly as sent, without "?" ("" when none)>
    <timestamp>
    <nonce>
    <content sha256>

So a signature is bound to one method, path, query, instant and body; the server checks
it *before reading the body* (the body's digest travels in a header), then checks that the
body read matches the digest, and remembers each accepted signature for the window so a
second use of it is refused (:class:`ReplayCache`). The nonce keeps two identical requests
sent in the same second (two sheet cells with the same formula) distinct.

**v1** (deprecated; accepted only with ``GBESS_ALLOW_V1_SIGNATURES=1``):
``X-Gbess-Signature = hex HMAC-SHA256(secret, f"{timestamp}.".encode() + body)``; it does
not cover the method, path or query.

The server accepts a timestamp within ``window_s`` (300 s) of its own clock either way and
compares signatures in constant time (``hmac.compare_digest``).
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import math
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

TIMESTAMP_HEADER = "X-Gbess-Timestamp"
SIGNATURE_HEADER = "X-Gbess-Signature"
NONCE_HEADER = "X-Gbess-Nonce"
CONTENT_SHA256_HEADER = "X-Gbess-Content-SHA256"
V2_PREFIX = "v2="
V2_LABEL = "gbess-v2"
DEFAULT_WINDOW_S = 300
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

_HEX64 = re.compile(r"[0-9a-f]{64}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_MAX_TIMESTAMP_DIGITS = 12

# Secret strength (GBESS_HMAC_SECRET): length, distinct characters and the Shannon entropy
# of its character frequencies. `openssl rand -hex 32` (64 hex characters) passes with a
# wide margin; 32 copies of one letter, or "abababab...", do not.
MIN_SECRET_CHARS = 32
MIN_SECRET_DISTINCT_CHARS = 10
MIN_SECRET_BITS_PER_CHAR = 3.0


class SignatureError(ValueError):
    """A signed request is missing a header, malformed, stale, wrongly signed or replayed.

    Attributes:
        header: The request header at fault (the problem's ``field``).
    """

    def __init__(self, message: str, header: str = SIGNATURE_HEADER) -> None:
        super().__init__(message)
        self.header = header


def secret_weakness(secret: str) -> str | None:
    """Why ``secret`` is too weak to sign with, or ``None`` when it is acceptable.

    Rule: at least 32 characters, at least 10 distinct characters, and at least 3 bits of
    Shannon entropy per character over its character frequencies.
    """
    if len(secret) < MIN_SECRET_CHARS:
        return f"must be at least {MIN_SECRET_CHARS} characters"
    counts = collections.Counter(secret)
    if len(counts) < MIN_SECRET_DISTINCT_CHARS:
        return f"must use at least {MIN_SECRET_DISTINCT_CHARS} distinct characters"
    n = len(secret)
    bits = -sum(c / n * math.log2(c / n) for c in counts.values())
    if bits < MIN_SECRET_BITS_PER_CHAR:
        return f"is too repetitive ({bits:.1f} bits per character, need {MIN_SECRET_BITS_PER_CHAR})"
    return None


def new_secret() -> str:
    """A fresh secret of 256 random bits as 64 hex characters (what ``openssl rand -hex 32``
    prints)."""
    return secrets.token_hex(32)


def secret_fingerprint(secret: str) -> str:
    """The first 12 hex characters of SHA-256 of the secret: tells two secrets apart
    without showing either."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]


# --- v2 -------------------------------------------------------------------------------


def content_sha256(body: bytes) -> str:
    """Lowercase hex SHA-256 of the body (``X-Gbess-Content-SHA256``)."""
    return hashlib.sha256(body).hexdigest()


def canonical_v2(
    method: str, path: str, query: str, timestamp_s: int, nonce: str, body_sha256: str
) -> bytes:
    """The bytes a v2 signature covers (module docstring)."""
    lines = (V2_LABEL, method.upper(), path, query, str(int(timestamp_s)), nonce, body_sha256)
    return "\n".join(lines).encode("utf-8")


def signature_v2(
    secret: str, method: str, path: str, query: str, timestamp_s: int, nonce: str, body_sha256: str
) -> str:
    """``v2=`` + lowercase hex HMAC-SHA256 of :func:`canonical_v2`."""
    message = canonical_v2(method, path, query, timestamp_s, nonce, body_sha256)
    return V2_PREFIX + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_request_v2(
    secret: str,
    method: str,
    path: str,
    query: str,
    body: bytes,
    timestamp_s: int,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers that authenticate one request (v2).

    Args:
        secret: Shared secret (``GBESS_HMAC_SECRET``).
        method: HTTP method.
        path: Request path, e.g. ``/v1/lookup`` (no query).
        query: Query string exactly as sent, without ``?`` (``""`` when none).
        body: The exact body bytes; ``b""`` for GET.
        timestamp_s: Unix time of sending [s].
        nonce: Unique per request; a random 24-character one when not given.
    """
    nonce = nonce or secrets.token_urlsafe(18)
    digest = content_sha256(body)
    return {
        TIMESTAMP_HEADER: str(int(timestamp_s)),
        NONCE_HEADER: nonce,
        CONTENT_SHA256_HEADER: digest,
        SIGNATURE_HEADER: signature_v2(secret, method, path, query, timestamp_s, nonce, digest),
    }


@dataclass(frozen=True)
class CheckedV2:
    """A v2 signature whose headers verified; the body is still to be checked.

    Attributes:
        timestamp_s: The signed timestamp [Unix s].
        body_sha256: The signed body digest (lowercase hex) the body must match.
        signature: The signature value (the replay-cache key).
    """

    timestamp_s: int
    body_sha256: str
    signature: str


def check_timestamp(timestamp_header: str | None, *, now_s: float, window_s: int) -> int:
    """The timestamp of a signed request, or :class:`SignatureError` if missing, not
    integer Unix seconds, or more than ``window_s`` from ``now_s``."""
    if not timestamp_header:
        raise SignatureError(f"missing header {TIMESTAMP_HEADER}", TIMESTAMP_HEADER)
    raw_ts = timestamp_header.strip()
    if not raw_ts.isascii() or not raw_ts.isdigit() or len(raw_ts) > _MAX_TIMESTAMP_DIGITS:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be integer Unix seconds", TIMESTAMP_HEADER)
    timestamp_s = int(raw_ts)
    if abs(now_s - timestamp_s) > window_s:
        raise SignatureError(
            f"{TIMESTAMP_HEADER} is more than {window_s} s from the server clock", TIMESTAMP_HEADER
        )
    return timestamp_s


def check_v2_headers(
    secret: str,
    header: Callable[[str], str | None],
    method: str,
    path: str,
    query: str,
    *,
    now_s: float,
    window_s: int = DEFAULT_WINDOW_S,
) -> CheckedV2:
    """Verify a v2 signature from the headers alone (no body needed).

    Args:
        secret: Shared secret.
        header: Looks a request header up by name, case-insensitively (e.g.
            ``request.headers.get``).
        method: HTTP method as received.
        path: Path as routed.
        query: Raw query string, without ``?``.
        now_s: The verifier's current Unix time [s].
        window_s: Largest accepted difference between ``now_s`` and the timestamp [s].

    Raises:
        SignatureError: A header is missing or malformed, the timestamp is stale, or the
            signature does not match.
    """
    timestamp_s = check_timestamp(header(TIMESTAMP_HEADER), now_s=now_s, window_s=window_s)
    given = (header(SIGNATURE_HEADER) or "").strip()
    if not given:
        raise SignatureError(f"missing header {SIGNATURE_HEADER}")
    if not (given.startswith(V2_PREFIX) and _HEX64.fullmatch(given[3:].lower())):
        raise SignatureError(f"{SIGNATURE_HEADER} must be v2= followed by 64 hex digits")
    nonce = (header(NONCE_HEADER) or "").strip()
    if not _NONCE.fullmatch(nonce):
        raise SignatureError(
            f"{NONCE_HEADER} must be 16-64 characters of A-Z, a-z, 0-9, _ and -", NONCE_HEADER
        )
    digest = (header(CONTENT_SHA256_HEADER) or "").strip().lower()
    if not _HEX64.fullmatch(digest):
        raise SignatureError(
            f"{CONTENT_SHA256_HEADER} must be the 64 hex digit SHA-256 of the body",
            CONTENT_SHA256_HEADER,
        )
    expected = signature_v2(secret, method, path, query, timestamp_s, nonce, digest)
    if not hmac.compare_digest(
        expected.encode("ascii"), V2_PREFIX.encode() + given[3:].lower().encode()
    ):
        raise SignatureError(
            f"{SIGNATURE_HEADER} does not match the method, path, query, timestamp, nonce "
            f"and body digest"
        )
    return CheckedV2(timestamp_s, digest, expected)


def check_body_digest(checked: CheckedV2, body: bytes) -> None:
    """Raise :class:`SignatureError` unless ``body`` has the signed SHA-256."""
    if not hmac.compare_digest(content_sha256(body), checked.body_sha256):
        raise SignatureError(
            f"the body does not match {CONTENT_SHA256_HEADER}", CONTENT_SHA256_HEADER
        )


class ReplayCache:
    """Signatures accepted within the window, so a second use of one is refused.

    One per process (per gunicorn worker): it does not see what another worker or another
    instance accepted (docs/security.md says what that means). Bounded: past
    ``max_entries`` live signatures the oldest is forgotten early.

    Args:
        window_s: How long a signature stays acceptable after its timestamp [s].
        max_entries: Most signatures remembered at once.
    """

    def __init__(self, window_s: int = DEFAULT_WINDOW_S, max_entries: int = 100_000) -> None:
        self.window_s = window_s
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._seen: collections.OrderedDict[str, float] = collections.OrderedDict()
        self.evicted_early = 0

    def __len__(self) -> int:
        return len(self._seen)

    def first_use(self, signature_value: str, timestamp_s: int, *, now_s: float) -> bool:
        """Record ``signature_value``; ``False`` when it was already used and is live."""
        expires_s = timestamp_s + self.window_s + 1
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now_s:
                self._seen.popitem(last=False)
            known = self._seen.get(signature_value)
            if known is not None and known >= now_s:
                return False
            self._seen[signature_value] = expires_s
            while len(self._seen) > self.max_entries:
                self._seen.popitem(last=False)
                self.evicted_early += 1
            return True


# --- v1 (deprecated) ------------------------------------------------------------------


def signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """v1: the lowercase hex HMAC-SHA256 of ``f"{timestamp_s}.".encode() + body``.

    Args:
        secret: Shared secret (``GBESS_HMAC_SECRET``), UTF-8 encoded as the key.
        timestamp_s: Unix time of signing [s].
        body: The exact request body [bytes]; ``b""`` for GET.
    """
    message = f"{int(timestamp_s)}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_request(secret: str, body: bytes, timestamp_s: int) -> dict[str, str]:
    """v1 (deprecated): the two headers for a request with ``body`` sent at ``timestamp_s``.

    Use :func:`sign_request_v2`; servers accept v1 only with
    ``GBESS_ALLOW_V1_SIGNATURES=1``.

    Args:
        secret: Shared secret (``GBESS_HMAC_SECRET``).
        body: The exact request body [bytes]; ``b""`` for GET.
        timestamp_s: Unix time of sending [s].
    """
    return {
        TIMESTAMP_HEADER: str(int(timestamp_s)),
        SIGNATURE_HEADER: signature(secret, timestamp_s, body),
    }


def check_v1_signature_format(signature_header: str | None) -> str:
    """The v1 signature in lower case, or :class:`SignatureError` unless 64 hex digits."""
    if not signature_header:
        raise SignatureError(f"missing header {SIGNATURE_HEADER}")
    given = signature_header.strip().lower()
    if not _HEX64.fullmatch(given):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body and timestamp")
    return given


def verify_signature(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now_s: float,
    window_s: int = DEFAULT_WINDOW_S,
) -> int:
    """v1: check a signed request; return its timestamp or raise :class:`SignatureError`.

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
        raise SignatureError(f"missing header {missing}", missing)
    timestamp_s = check_timestamp(timestamp_header, now_s=now_s, window_s=window_s)
    expected = signature(secret, timestamp_s, body).encode("ascii")
    given = signature_header.strip().lower().encode("utf-8", "replace")
    if not hmac.compare_digest(expected, given):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body and timestamp")
    return timestamp_s
