"""Google Sheets sink: every tab of a refresh in one read and one atomic write, via gspread.

Request budget (DESIGN.md "Sheets writing"): one ``spreadsheets.get`` of sheet properties
and charts, then one ``spreadsheets.batchUpdate`` that adds missing tabs, resizes each tab
to its grid, freezes the header, writes every cell with its format, sets widths and
replaces charts — whatever the number of tabs. Values travel inside that batchUpdate as
``updateCells`` (``stringValue`` is never parsed: RAW semantics), rather than in a second
``values.batchUpdate``, because Google applies one batchUpdate atomically: a refresh that
fails after bounded retries leaves every tab exactly as it was, which two separate writes
could not promise.

Faults: :class:`RetryingHTTPClient` (a gspread ``HTTPClient``) puts a timeout on every
request and retries 429, 5xx, connection errors and timeouts with exponential backoff and
full jitter, at most ``max_attempts`` times (gspread's own ``BackOffHTTPClient`` has no
timeout and recurses without a bound on attempts). A write whose answer timed out may have
landed, so the sink re-reads the metadata and rebuilds the batch before sending it again.
A missing spreadsheet or a credential without access is one :class:`SourceUnavailableError`.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from engine.errors import SourceUnavailableError, ValidationError
from jobs.settings import Settings
from jobs.sheets.batch import METADATA_FIELDS, batch_update_body
from jobs.sheets.plan import SheetGrid

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
SPREADSHEET_ID_SETTING = "GBESS_SHEETS_SPREADSHEET_ID"
CREDENTIALS_SETTING = "GBESS_GOOGLE_CREDENTIALS"
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: attempt n waits ``uniform(0, min(cap, base * 2**n))`` seconds.

    Attributes:
        max_attempts: Tries per request, first included.
        base_s: First backoff ceiling [s].
        cap_s: Largest backoff ceiling [s].
        timeout_s: (connect, read) timeout on every request [s].
    """

    max_attempts: int = 5
    base_s: float = 1.0
    cap_s: float = 32.0
    timeout_s: tuple[float, float] = (10.0, 60.0)


class AmbiguousWriteError(Exception):
    """A write timed out: Google may or may not have applied it."""


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with a timeout on every request and bounded, jittered retries.

    Args:
        session: A ``requests``-compatible authorised session (google-auth's
            ``AuthorizedSession`` in production; a session with a fake mounted in tests).
        policy: Retry bounds and timeouts.
        sleep: Waits this many seconds (injectable; tests record instead of sleeping).
        rng: Source of jitter in [0, 1).
    """

    def __init__(
        self,
        session: requests.Session,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(auth=None, session=session)  # type: ignore[arg-type]  # gspread never reads auth when given a session
        self.policy = policy
        self.sleep = sleep
        self.rng = rng
        self.set_timeout(policy.timeout_s)
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
        """Send one API request, retrying transient failures within the policy's bounds.

        Raises:
            APIError: A non-retryable answer, or the last retryable one.
            AmbiguousWriteError: A non-GET request still timing out on its last attempt.
            requests.RequestException: Connection failures on the last attempt of a read.
        """
        for attempt in range(self.policy.max_attempts):
            last = attempt == self.policy.max_attempts - 1
            self.calls.append((method.upper(), endpoint))
            try:
                return super().request(method, endpoint, *args, **kwargs)
            except APIError as exc:
                if exc.code not in RETRYABLE_STATUS or last:
                    raise
            except (requests.Timeout, requests.ConnectionError) as exc:
                sent = not isinstance(exc, requests.ConnectTimeout)
                if method.upper() != "GET" and sent:
                    raise AmbiguousWriteError(str(exc)) from exc
                if last:
                    raise
            ceiling = min(self.policy.cap_s, self.policy.base_s * 2**attempt)
            self.sleep(ceiling * self.rng())
        raise AssertionError("unreachable: the loop returns or raises")


def _api_message(exc: APIError) -> str:
    error = exc.error if isinstance(exc.error, Mapping) else {}
    return str(error.get("message") or exc)


@dataclass
class GoogleSheetsSink:
    """Writes laid-out tabs to one spreadsheet.

    Args:
        client: The HTTP client (with its authorised session).
        spreadsheet_id: The spreadsheet's id (from its URL).
        principal: Who the credentials act as (shown in access errors).
        max_rounds: Read-and-write rounds tried when a write's answer times out.
    """

    client: RetryingHTTPClient
    spreadsheet_id: str
    principal: str = "the configured Google account"
    max_rounds: int = 3
    last_body: dict[str, Any] = field(default_factory=dict)

    def _fail(self, exc: Exception, doing: str) -> SourceUnavailableError:
        if isinstance(exc, APIError) and exc.code in {403, 404}:
            return SourceUnavailableError(
                f"Google Sheets: spreadsheet {self.spreadsheet_id!r} was not found or "
                f"{self.principal} has no edit access; check {SPREADSHEET_ID_SETTING} and share "
                f"the sheet with that account ({_api_message(exc)})",
                field=SPREADSHEET_ID_SETTING,
            )
        detail = _api_message(exc) if isinstance(exc, APIError) else str(exc)
        return SourceUnavailableError(
            f"Google Sheets: {doing} spreadsheet {self.spreadsheet_id!r} failed after "
            f"{self.client.policy.max_attempts} attempts; no tab was changed ({detail})"
        )

    def read_tab(self, title: str) -> list[list[Any]] | None:
        """A tab's cells as displayed (one ``values.get``), or None if there is no such tab.

        Raises:
            SourceUnavailableError: Missing spreadsheet, no access, or retries exhausted.
        """
        quoted = "'" + title.replace("'", "''") + "'"
        try:
            answer = self.client.values_get(self.spreadsheet_id, quoted)
        except APIError as exc:
            if exc.code == 400 and "Unable to parse range" in _api_message(exc):
                return None
            raise self._fail(exc, "reading") from exc
        except requests.RequestException as exc:
            raise self._fail(exc, "reading") from exc
        values: list[list[Any]] = answer.get("values", [])
        return values

    def write(self, grids: Sequence[SheetGrid]) -> dict[str, int]:
        """Write every grid; return the number of requests sent by kind.

        Raises:
            SourceUnavailableError: Missing spreadsheet, no access, or retries exhausted.
        """
        before = len(self.client.calls)
        for _round in range(self.max_rounds):
            try:
                metadata = self.client.fetch_sheet_metadata(
                    self.spreadsheet_id, params={"fields": METADATA_FIELDS}
                )
            except (APIError, requests.RequestException) as exc:
                raise self._fail(exc, "reading") from exc
            self.last_body = batch_update_body(grids, metadata)
            try:
                self.client.batch_update(self.spreadsheet_id, self.last_body)
            except AmbiguousWriteError:
                continue  # may have landed: re-read and rebuild so the retry is exact
            except (APIError, requests.RequestException) as exc:
                raise self._fail(exc, "writing") from exc
            calls = self.client.calls[before:]
            return {
                "reads": sum(1 for m, _ in calls if m == "GET"),
                "writes": sum(1 for m, _ in calls if m != "GET"),
            }
        raise SourceUnavailableError(
            f"Google Sheets: writing spreadsheet {self.spreadsheet_id!r} timed out "
            f"{self.max_rounds} times; re-run the refresh"
        )


def load_credentials(path: Path) -> Any:
    """Service-account or authorised-user credentials from a google-auth JSON file.

    Raises:
        ValidationError: The file is missing, not JSON, or of another credential type.
    """
    from google.oauth2 import credentials as user_credentials
    from google.oauth2 import service_account

    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(
            f"{CREDENTIALS_SETTING}: cannot read credentials JSON {path} ({exc})",
            field=CREDENTIALS_SETTING,
        ) from exc
    kind = info.get("type") if isinstance(info, dict) else None
    if kind == "service_account":
        return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]  # google-auth: unannotated
    if kind == "authorized_user":
        return user_credentials.Credentials.from_authorized_user_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]  # google-auth: unannotated
    raise ValidationError(
        f"{CREDENTIALS_SETTING}: {path} is type {kind!r}; expected service_account or "
        "authorized_user",
        field=CREDENTIALS_SETTING,
    )


def sink_from_settings(settings: Settings) -> GoogleSheetsSink:
    """The production sink: spreadsheet id and credentials path from settings.

    Raises:
        ValidationError: A setting is missing or the credentials file is unusable.
    """
    from google.auth.transport.requests import AuthorizedSession

    spreadsheet_id = settings.extra.get(SPREADSHEET_ID_SETTING, "").strip()
    path = settings.extra.get(CREDENTIALS_SETTING, "").strip()
    for name, value in ((SPREADSHEET_ID_SETTING, spreadsheet_id), (CREDENTIALS_SETTING, path)):
        if not value:
            raise ValidationError(
                f"{name} is not set; the google dashboard backend needs it "
                "(docs/dashboard.md, 'Google Sheets setup')",
                field=name,
            )
    credentials = load_credentials(Path(path))
    principal = getattr(credentials, "service_account_email", None) or "the signed-in user"
    client = RetryingHTTPClient(AuthorizedSession(credentials))  # type: ignore[no-untyped-call]  # google-auth: unannotated
    return GoogleSheetsSink(client, spreadsheet_id, principal=str(principal))
