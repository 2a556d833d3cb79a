"""An in-process fake of the Google Sheets v4 HTTP API, mounted as a ``requests`` adapter.

It keeps spreadsheet state (sheets, grid sizes, cells, charts), checks the bearer token,
validates every request's query parameters and JSON body against Google's Sheets v4
discovery document (shipped in ``google-api-python-client``), applies a batchUpdate
atomically (all requests or none), and can inject 429/500 answers and timeouts.

Supported: ``spreadsheets.get``, ``spreadsheets.batchUpdate`` (addSheet,
updateSheetProperties, updateCells, updateDimensionProperties, deleteEmbeddedObject,
addChart), ``values.update``, ``values.batchUpdate``. Anything else is a 400, so a sink
that starts using another request fails here first.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import googleapiclient
import requests
from requests.structures import CaseInsensitiveDict

from tests.fake_transport import FakeTransport, Timeout

DISCOVERY = json.loads(
    (Path(googleapiclient.__file__).parent / "discovery_cache/documents/sheets.v4.json").read_text(
        encoding="utf-8"
    )
)
SCHEMAS: dict[str, Any] = DISCOVERY["schemas"]
METHODS = DISCOVERY["resources"]["spreadsheets"]["methods"]
VALUES_METHODS = DISCOVERY["resources"]["spreadsheets"]["resources"]["values"]["methods"]
BASE = "https://sheets.googleapis.com/"


class BadRequestError(Exception):
    """The fake's 400: a body or request the real API would reject."""


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """Check a JSON value against a discovery-document schema; raise BadRequestError on a misfit."""
    if "$ref" in schema:
        validate(value, SCHEMAS[schema["$ref"]], path)
        return
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            raise BadRequestError(f"{path}: expected object, got {type(value).__name__}")
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in props:
                validate(item, props[key], f"{path}.{key}")
            elif extra is not None:
                validate(item, extra, f"{path}.{key}")
            else:
                raise BadRequestError(f'{path}: Unknown name "{key}": Cannot find field.')
    elif kind == "array":
        if not isinstance(value, list):
            raise BadRequestError(f"{path}: expected array")
        for i, item in enumerate(value):
            validate(item, schema["items"], f"{path}[{i}]")
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        if schema.get("format") == "int64" and isinstance(value, str):
            ok = value.lstrip("-").isdigit()
        if not ok or (schema.get("format") == "int32" and not -(2**31) <= int(value) < 2**31):
            raise BadRequestError(
                f"{path}: expected {schema.get('format', 'integer')}, got {value!r}"
            )
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadRequestError(f"{path}: expected number, got {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise BadRequestError(f"{path}: expected boolean, got {value!r}")
    elif kind == "string":
        if not isinstance(value, str):
            raise BadRequestError(f"{path}: expected string, got {value!r}")
        if "enum" in schema and value not in schema["enum"]:
            raise BadRequestError(f"{path}: invalid value {value!r}")
    elif kind != "any":
        raise BadRequestError(f"{path}: schema type {kind!r} not understood")


def validate_params(params: dict[str, list[str]], method: dict[str, Any]) -> None:
    """Check query parameters against the method's and the API's declared parameters."""
    declared = {**DISCOVERY["parameters"], **method.get("parameters", {})}
    for name, values in params.items():
        if name not in declared:
            raise BadRequestError(f"Invalid JSON payload received. Unknown name {name!r}")
        enum = declared[name].get("enum")
        if enum and any(v not in enum for v in values):
            raise BadRequestError(f"{name}: invalid value {values}")


@dataclass
class Sheet:
    """One fake sheet."""

    sheet_id: int
    title: str
    rows: int = 1000
    cols: int = 26
    frozen_rows: int = 0
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    charts: dict[int, dict[str, Any]] = field(default_factory=dict)
    widths: dict[int, int] = field(default_factory=dict)

    def values(self) -> list[list[Any]]:
        """The effective values, rectangular over the grid (None where empty)."""
        out = [[None] * self.cols for _ in range(self.rows)]
        for (r, c), cell in self.cells.items():
            value = cell.get("userEnteredValue", {})
            out[r][c] = next(iter(value.values()), None)
        return out


@dataclass
class Spreadsheet:
    """One fake spreadsheet with its ordered sheets."""

    spreadsheet_id: str
    sheets: list[Sheet]
    next_chart_id: int = 1000

    def by_id(self, sheet_id: int) -> Sheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise BadRequestError(f"No grid with id: {sheet_id}")

    def by_title(self, title: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise BadRequestError(f"Unable to parse range: {title}")


def _check_range(sheet: Sheet, rng: dict[str, Any]) -> tuple[int, int, int, int]:
    r0, r1 = rng.get("startRowIndex", 0), rng.get("endRowIndex", sheet.rows)
    c0, c1 = rng.get("startColumnIndex", 0), rng.get("endColumnIndex", sheet.cols)
    if not (0 <= r0 <= r1 <= sheet.rows and 0 <= c0 <= c1 <= sheet.cols):
        raise BadRequestError(f"Range ({sheet.title}!{rng}) exceeds grid limits.")
    return r0, r1, c0, c1


def _a1(text: str, book: Spreadsheet) -> tuple[Sheet, int, int]:
    text = unquote(text)
    title, _, cells = text.rpartition("!") if "!" in text else (text, "!", "A1")
    title = title.strip("'").replace("''", "'") if title else book.sheets[0].title
    sheet = book.by_title(title)
    match = re.match(r"([A-Z]+)(\d+)", cells.split(":")[0] or "A1")
    if not match:
        raise BadRequestError(f"Unable to parse range: {text}")
    col = 0
    for ch in match.group(1):
        col = col * 26 + ord(ch) - 64
    return sheet, int(match.group(2)) - 1, col - 1


@dataclass
class FakeSheetsAPI(FakeTransport):
    """The fake API: state, an access list, a request log and a queue of injected faults."""

    tokens: dict[str, set[str]] = field(default_factory=dict)  # token → spreadsheet ids
    books: dict[str, Spreadsheet] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)
    # One per request, in order: "429", "500", "timeout", "late-timeout", or None (answer).
    faults: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def add_spreadsheet(self, spreadsheet_id: str, token: str, titles: tuple[str, ...]) -> None:
        """Create a spreadsheet with sheets titled ``titles`` and grant ``token`` access."""
        sheets = [Sheet(i, t) for i, t in enumerate(titles)]
        self.books[spreadsheet_id] = Spreadsheet(spreadsheet_id, sheets)
        self.tokens.setdefault(token, set()).add(spreadsheet_id)

    def session(self, token: str) -> requests.Session:
        """A google-auth ``AuthorizedSession`` (static token) with this fake mounted."""
        from google.auth.transport.requests import AuthorizedSession
        from google.oauth2.credentials import Credentials

        # google-auth ships py.typed but leaves these constructors unannotated.
        credentials = Credentials(token=token)  # type: ignore[no-untyped-call]  # google-auth: unannotated
        session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]  # google-auth: unannotated
        session.mount(BASE, self)
        return session

    # -- requests adapter --------------------------------------------------------------
    def answer(self, request: requests.PreparedRequest, timeout: Timeout) -> requests.Response:
        url = urlsplit(request.url or "")
        method = request.method or "GET"
        self.log.append((method, url.path))
        fault = self.faults.pop(0) if self.faults else None
        if fault == "timeout":
            raise requests.ReadTimeout("fake: read timed out", request=request)
        if fault in {"429", "500"}:  # rejected before anything is applied
            code = int(fault)
            return _response(request, code, _error(code, "fake transient error", "UNAVAILABLE"))
        try:
            status, body = self._route(method, url.path, parse_qs(url.query), request)
        except BadRequestError as exc:
            status, body = 400, _error(400, str(exc), "INVALID_ARGUMENT")
        if fault == "late-timeout":  # applied, but the answer never arrived
            raise requests.ReadTimeout("fake: read timed out after apply", request=request)
        return _response(request, status, body)

    def _route(
        self, method: str, path: str, params: dict[str, list[str]], request: Any
    ) -> tuple[int, dict[str, Any]]:
        match = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", path)
        if not match:
            raise BadRequestError(f"unknown path {path}")
        book_id, rest = match.groups()
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        if book_id not in self.books:
            return 404, _error(404, "Requested entity was not found.", "NOT_FOUND")
        if book_id not in self.tokens.get(token, set()):
            return 403, _error(403, "The caller does not have permission", "PERMISSION_DENIED")
        book = self.books[book_id]
        # Any JSON value (or None without a body); each method validates it against its schema.
        body: Any = json.loads(request.body) if request.body else None
        if method == "GET" and rest == "":
            validate_params(params, METHODS["get"])
            return 200, self._metadata(book)
        if method == "POST" and rest == ":batchUpdate":
            validate_params(params, METHODS["batchUpdate"])
            validate(body, METHODS["batchUpdate"]["request"])
            return 200, self._batch_update(book, body)
        if method == "GET" and rest.startswith("/values/"):
            validate_params(params, VALUES_METHODS["get"])
            return 200, self._read_values(book, rest.removeprefix("/values/"))
        if method == "PUT" and rest.startswith("/values/"):
            validate_params(params, VALUES_METHODS["update"])
            validate(body, VALUES_METHODS["update"]["request"])
            self._write_values(book, rest.removeprefix("/values/"), body["values"], params)
            return 200, {"spreadsheetId": book_id}
        if method == "POST" and rest == "/values:batchUpdate":
            validate_params(params, VALUES_METHODS["batchUpdate"])
            validate(body, VALUES_METHODS["batchUpdate"]["request"])
            for item in body["data"]:
                self._write_values(book, item["range"], item["values"], body)
            return 200, {"spreadsheetId": book_id}
        raise BadRequestError(f"fake does not support {method} {path}")

    # -- API behaviour -----------------------------------------------------------------
    def _metadata(self, book: Spreadsheet) -> dict[str, Any]:
        sheets = []
        for index, sheet in enumerate(book.sheets):
            props = _properties(sheet, index)
            charts = [{"chartId": cid, **c} for cid, c in sheet.charts.items()]
            sheets.append({"properties": props, "charts": charts})
        return {
            "spreadsheetId": book.spreadsheet_id,
            "properties": {"title": "fake"},
            "sheets": sheets,
        }

    def _batch_update(self, book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        work = copy.deepcopy(book)  # all or nothing, as the real API
        replies = [self._apply(work, request) for request in body["requests"]]
        self.books[book.spreadsheet_id] = work
        return {"spreadsheetId": book.spreadsheet_id, "replies": replies}

    def _apply(self, book: Spreadsheet, request: dict[str, Any]) -> dict[str, Any]:
        if len(request) != 1:
            raise BadRequestError("each Request must set exactly one kind")
        kind, args = next(iter(request.items()))
        if kind == "addSheet":
            props = args["properties"]
            if any(s.title == props["title"] for s in book.sheets):
                raise BadRequestError(f'A sheet with the name "{props["title"]}" already exists.')
            sheet_id = props.get("sheetId", max(s.sheet_id for s in book.sheets) + 1)
            if any(s.sheet_id == sheet_id for s in book.sheets):
                raise BadRequestError(f"Sheet with id {sheet_id} already exists.")
            sheet = Sheet(sheet_id, props["title"])
            self._grid(sheet, props.get("gridProperties", {}))
            book.sheets.append(sheet)
            return {"addSheet": {"properties": _properties(sheet, len(book.sheets) - 1)}}
        if kind == "updateSheetProperties":
            sheet = book.by_id(args["properties"].get("sheetId", 0))
            if "title" in args["properties"]:
                sheet.title = args["properties"]["title"]
            self._grid(sheet, args["properties"].get("gridProperties", {}))
            return {}
        if kind == "updateCells":
            sheet = book.by_id(args["range"]["sheetId"])
            r0, r1, c0, c1 = _check_range(sheet, args["range"])
            if "userEnteredValue" in args["fields"]:
                for key in [k for k in sheet.cells if r0 <= k[0] < r1 and c0 <= k[1] < c1]:
                    del sheet.cells[key]
            for i, row in enumerate(args.get("rows", [])):
                for j, cell in enumerate(row.get("values", [])):
                    if r0 + i >= r1 or c0 + j >= c1:
                        raise BadRequestError("rows exceed the range")
                    if cell:
                        sheet.cells[(r0 + i, c0 + j)] = cell
            return {}
        if kind == "updateDimensionProperties":
            rng = args["range"]
            sheet = book.by_id(rng["sheetId"])
            if rng["dimension"] != "COLUMNS" or rng["endIndex"] > sheet.cols:
                raise BadRequestError("dimension range exceeds grid limits")
            for col in range(rng["startIndex"], rng["endIndex"]):
                sheet.widths[col] = args["properties"]["pixelSize"]
            return {}
        if kind == "deleteEmbeddedObject":
            for sheet in book.sheets:
                if sheet.charts.pop(args["objectId"], None) is not None:
                    return {}
            raise BadRequestError(f"No object with id {args['objectId']}")
        if kind == "addChart":
            chart = args["chart"]
            anchor = chart["position"]["overlayPosition"]["anchorCell"]
            sheet = book.by_id(anchor["sheetId"])
            if anchor["rowIndex"] >= sheet.rows or anchor["columnIndex"] >= sheet.cols:
                raise BadRequestError("chart anchor outside the grid")
            for spec in chart["spec"]["basicChart"]["series"]:
                for src in spec["series"]["sourceRange"]["sources"]:
                    _check_range(book.by_id(src["sheetId"]), src)
            book.next_chart_id += 1
            sheet.charts[book.next_chart_id] = {
                "spec": chart["spec"],
                "position": chart["position"],
            }
            return {"addChart": {"chart": {"chartId": book.next_chart_id}}}
        raise BadRequestError(f"fake does not support request kind {kind!r}")

    @staticmethod
    def _grid(sheet: Sheet, grid: dict[str, Any]) -> None:
        sheet.rows = grid.get("rowCount", sheet.rows)
        sheet.cols = grid.get("columnCount", sheet.cols)
        sheet.frozen_rows = grid.get("frozenRowCount", sheet.frozen_rows)
        if sheet.frozen_rows >= sheet.rows:
            raise BadRequestError("You can't freeze all visible rows on the sheet.")
        sheet.cells = {
            k: v for k, v in sheet.cells.items() if k[0] < sheet.rows and k[1] < sheet.cols
        }

    def _read_values(self, book: Spreadsheet, rng: str) -> dict[str, Any]:
        sheet, r0, c0 = _a1(rng, book)
        rows = [row[c0:] for row in sheet.values()[r0:]]
        rows = [[("" if v is None else v) for v in row] for row in rows]
        while rows and not any(v != "" for v in rows[-1]):
            rows.pop()
        out: dict[str, Any] = {"range": unquote(rng), "majorDimension": "ROWS"}
        if rows:
            out["values"] = rows
        return out

    def _write_values(
        self, book: Spreadsheet, rng: str, values: list[list[Any]], options: Any
    ) -> None:
        sheet, r0, c0 = _a1(rng, book)
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                if r0 + i >= sheet.rows or c0 + j >= sheet.cols:
                    raise BadRequestError(f"Range ({rng}) exceeds grid limits.")
                if value in ("", None):
                    sheet.cells.pop((r0 + i, c0 + j), None)
                    continue
                key = {bool: "boolValue", str: "stringValue"}.get(type(value), "numberValue")
                sheet.cells[(r0 + i, c0 + j)] = {"userEnteredValue": {key: value}}


def _properties(sheet: Sheet, index: int) -> dict[str, Any]:
    return {
        "sheetId": sheet.sheet_id,
        "title": sheet.title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {
            "rowCount": sheet.rows,
            "columnCount": sheet.cols,
            "frozenRowCount": sheet.frozen_rows,
        },
    }


def _error(code: int, message: str, status: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def _response(request: Any, status: int, body: dict[str, Any]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json; charset=UTF-8"})
    response.url = request.url
    response.request = request
    response.encoding = "utf-8"
    return response
