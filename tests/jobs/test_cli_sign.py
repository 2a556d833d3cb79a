"""``gbess sign``: curl-ready v2 headers the server accepts; the local secret's tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.cli import main
from jobs.webhook_auth import check_body_digest, check_v2_headers, secret_weakness

SECRET = "0123456789abcdef0123456789abcdef"


def _headers_from(out: str) -> dict[str, str]:
    words = out.split()
    assert words[::2] == ["--header"] * 4
    return dict(word.split(":", 1) for word in words[1::2])


def test_prints_curl_headers_that_verify(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GBESS_HMAC_SECRET", SECRET)
    argv = ["sign", "POST", "/v1/jobs/refresh?x=1", "--data", "{}", "--timestamp-s", "1700000000"]
    assert main(argv) == 0
    headers = _headers_from(capsys.readouterr().out)
    assert headers["X-Gbess-Timestamp"] == "1700000000"
    lower = {k.lower(): v for k, v in headers.items()}
    checked = check_v2_headers(
        SECRET, lambda n: lower.get(n.lower()), "POST", "/v1/jobs/refresh", "x=1", now_s=1.7e9
    )
    check_body_digest(checked, b"{}")


def test_json_output_and_body_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(b'{"queries":["SW1A 1AA"]}')
    monkeypatch.setenv("GBESS_HMAC_SECRET", SECRET)
    assert main(["sign", "POST", "/v1/lookup", "--data-file", str(body), "--json"]) == 0
    headers = json.loads(capsys.readouterr().out)
    assert headers["X-Gbess-Signature"].startswith("v2=")


def test_without_a_secret_says_how_to_set_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GBESS_HMAC_SECRET", raising=False)
    assert main(["sign", "GET", "/v1/openapi.json"]) == 2
    assert "gbess sign --new-secret" in capsys.readouterr().err


def test_new_secret_is_strong_and_check_shows_only_a_fingerprint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sign", "--new-secret"]) == 0
    secret = capsys.readouterr().out.strip()
    assert len(secret) == 64
    assert secret_weakness(secret) is None
    monkeypatch.setenv("GBESS_HMAC_SECRET", secret)
    assert main(["sign", "--check-secret"]) == 0
    out = capsys.readouterr().out
    assert "ok" in out
    assert secret not in out
    monkeypatch.setenv("GBESS_HMAC_SECRET", "a" * 32)
    assert main(["sign", "--check-secret"]) == 1
    assert "too weak" in capsys.readouterr().out
