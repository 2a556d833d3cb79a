"""Defect 2 (issue 19): slow unauthenticated clients must not stall signed lookups.

A real ``gbess serve`` (1 worker x 4 threads, so four stalled threads would starve it)
and raw sockets that send complete headers with a junk signature and ``Content-Length:
100``, then one body byte and nothing more (the limit of one byte a second). A correctly
signed lookup sent after them must be answered; the slow clients must get their 401
without the server waiting for their bodies. A second case sends only half a request line:
the server closes such connections after ``GBESS_READ_TIMEOUT_S``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import SECRET, signed_headers
from tests.server.live import LiveServer, live_server

SLOW_CLIENTS = 6
LOOKUP = {"queries": ["SW1A 1AA"]}
READ_TIMEOUT_S = 2


@pytest.fixture(scope="module")
def server(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("slow")
    env = {
        "GBESS_DATA_DIR": str(data_dir),
        "GBESS_VAR_DIR": str(tmp / "var"),
        "GBESS_AUTH": "hmac",
        "GBESS_HMAC_SECRET": SECRET,
        "GBESS_WORKERS": "1",
        "GBESS_THREADS": "4",
        "GBESS_READ_TIMEOUT_S": str(READ_TIMEOUT_S),
    }
    with live_server(env, tmp) as live:
        yield live


def _slow_client(port: int, headers: dict[str, str]) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    lines = ["POST /v1/lookup HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += ["Content-Length: 100", "", ""]
    sock.sendall("\r\n".join(lines).encode() + b"{")
    return sock


def _signed_lookup(server: LiveServer) -> tuple[int, bytes]:
    body = json.dumps(LOOKUP).encode()
    headers = signed_headers("POST", "/v1/lookup", body, timestamp_s=int(time.time()))
    headers["Content-Type"] = "application/json"
    status, _, data = server.request("POST", "/v1/lookup", body, headers, timeout_s=8.0)
    return status, data


def _read_until_closed(sock: socket.socket, deadline_s: float) -> bytes:
    sock.settimeout(deadline_s)
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_junk_signed_slow_bodies_do_not_stall_a_signed_lookup(server: LiveServer) -> None:
    junk = {
        "X-Gbess-Timestamp": str(int(time.time())),
        "X-Gbess-Nonce": "n" * 8 + "0123456789abcdef",
        "X-Gbess-Content-SHA256": "0" * 64,
        "X-Gbess-Signature": "v2=" + "ab" * 32,
    }
    slow = [_slow_client(server.port, junk) for _ in range(SLOW_CLIENTS)]
    try:
        status, data = _signed_lookup(server)
        assert status == 200, data
        for sock in slow:
            answer = _read_until_closed(sock, 5.0)
            assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
            assert b"application/problem+json" in answer
    finally:
        for sock in slow:
            sock.close()


def test_stale_or_missing_timestamp_is_refused_before_the_body(server: LiveServer) -> None:
    cases = [
        {"X-Gbess-Signature": "v2=" + "ab" * 32},
        {"X-Gbess-Timestamp": "1", "X-Gbess-Signature": "v2=" + "ab" * 32},
        {"X-Gbess-Timestamp": "soon", "X-Gbess-Signature": "v2=" + "ab" * 32},
    ]
    slow = [_slow_client(server.port, headers) for headers in cases]
    try:
        for sock in slow:
            answer = _read_until_closed(sock, 5.0)
            assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
            assert b"X-Gbess-Timestamp" in answer
    finally:
        for sock in slow:
            sock.close()


def test_half_sent_headers_are_cut_off_and_do_not_stall(server: LiveServer) -> None:
    slow = []
    for _ in range(SLOW_CLIENTS):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(b"POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Gbe")
        slow.append(sock)
    try:
        status, data = _signed_lookup(server)
        assert status == 200, data
        for sock in slow:
            # Closed by the server within the read deadline (bounded wait, no sleep).
            answer = _read_until_closed(sock, READ_TIMEOUT_S + 5.0)
            assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]
    finally:
        for sock in slow:
            sock.close()


def test_a_signed_body_that_never_arrives_is_408_within_the_deadline(server: LiveServer) -> None:
    body = json.dumps(LOOKUP).encode().ljust(100)
    headers = signed_headers("POST", "/v1/lookup", body, timestamp_s=int(time.time()))
    sock = _slow_client(server.port, headers)  # headers complete, then one byte of 100
    try:
        answer = _read_until_closed(sock, READ_TIMEOUT_S + 5.0)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"application/problem+json" in answer
    assert b"read deadline" in answer


@pytest.mark.parametrize(("size", "status"), [(8_200, 431), (6_000, 401)])
def test_long_signature_headers_get_a_problem_not_html(
    server: LiveServer, size: int, status: int
) -> None:
    headers = {"X-Gbess-Timestamp": str(int(time.time())), "X-Gbess-Signature": "v2=" + "a" * size}
    code, answer_headers, data = server.get("/v1/fleet", headers)
    assert code == status
    assert answer_headers["content-type"] == "application/problem+json"
    assert json.loads(data)["status"] == status
