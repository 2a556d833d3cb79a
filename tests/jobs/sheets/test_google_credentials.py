"""Google credentials and settings for the Sheets sink: service account, user, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from engine.errors import ValidationError
from jobs.settings import Settings
from jobs.sheets.google import SCOPES, load_credentials, sink_from_settings

EMAIL = "gbess-dashboard@example-project.iam.gserviceaccount.com"


def _service_account(path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "example-project",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": EMAIL,
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


def test_service_account_file(tmp_path: Path) -> None:
    creds = load_credentials(_service_account(tmp_path / "sa.json"))
    assert creds.service_account_email == EMAIL
    assert tuple(creds.scopes) == SCOPES


def test_authorized_user_file(tmp_path: Path) -> None:
    path = tmp_path / "user.json"
    info = {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"}
    path.write_text(json.dumps(info), encoding="utf-8")
    creds = load_credentials(path)
    assert creds.refresh_token == "r"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read credentials JSON"),
        ('{"type": "external_account"}', "is type 'external_account'"),
    ],
)
def test_bad_credentials_file(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "creds.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=message) as exc:
        load_credentials(path)
    assert exc.value.field == "GBESS_GOOGLE_CREDENTIALS"


def test_settings_name_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="GBESS_SHEETS_SPREADSHEET_ID is not set"):
        sink_from_settings(Settings(extra={"GBESS_GOOGLE_CREDENTIALS": "x.json"}))
    path = _service_account(tmp_path / "sa.json")
    extra = {"GBESS_SHEETS_SPREADSHEET_ID": "book", "GBESS_GOOGLE_CREDENTIALS": str(path)}
    sink = sink_from_settings(Settings(extra=extra))
    assert sink.spreadsheet_id == "book"
    assert sink.principal == EMAIL
    assert sink.client.timeout == (10.0, 60.0)  # gspread's default is no timeout at all
