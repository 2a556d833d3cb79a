"""Structured JSON logs (one object per line on stderr) carrying the request id.

The field names are the ones Google Cloud Logging lifts out of a JSON line (``severity``,
``message``, ``httpRequest``), so Cloud Run and App Engine show them as structured entries.

No line carries a credential: a ``token=`` (the dashboard link's) or ``signature=`` query
value is replaced by ``[redacted]`` in every record of our loggers and of the servers'
request-line loggers (``werkzeug``, ``gunicorn.access``), whichever formatter prints it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from typing import Any

from flask import g, has_request_context

REQUEST_ID_HEADER = "X-Request-Id"
# Accept a caller's id only if it is short and plain, so it cannot forge log lines.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_HANDLER_NAME = "gbess-json"
# A credential in a query string or a logged request line: name=value up to the next
# separator (&, space, quote, #).
_SECRET_PARAMETER = re.compile(r"(?i)\b(token|signature)=[^&\s\"'#]*")
#: Loggers that print request lines (with query strings) besides our own.
REQUEST_LINE_LOGGERS = ("werkzeug", "gunicorn.access")


def redact_secrets(text: str) -> str:
    """``text`` with every ``token=…`` / ``signature=…`` value replaced by ``[redacted]``."""
    return _SECRET_PARAMETER.sub(lambda m: f"{m.group(1)}=[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    """Rewrite a record's message (and its ``httpRequest`` URL) without credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        message = record.getMessage()
        cleaned = redact_secrets(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        http = getattr(record, "httpRequest", None)
        if isinstance(http, dict) and isinstance(http.get("requestUrl"), str):
            http["requestUrl"] = redact_secrets(http["requestUrl"])
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: severity, message, logger, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        """The JSON line for ``record`` (exception text included when there is one)."""
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for key in ("httpRequest", "identity"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestIdFilter(logging.Filter):
    """Attach the current request's id to every record logged while serving it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add ``request_id`` when inside a request; never drops a record."""
        if has_request_context() and not getattr(record, "request_id", None):
            record.request_id = getattr(g, "request_id", None)
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]  # generic only in the stubs
    """A stream handler that writes to whatever ``sys.stderr`` is at emit time."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        # StreamHandler.__init__ assigns a stream; the current sys.stderr always wins.
        pass


def configure_logging(level: int = logging.INFO) -> None:
    """Send the ``gbess`` loggers to stderr as JSON lines (idempotent)."""
    root = logging.getLogger("gbess")
    root.setLevel(level)
    for name in REQUEST_LINE_LOGGERS:
        other = logging.getLogger(name)
        if not any(isinstance(f, RedactSecretsFilter) for f in other.filters):
            other.addFilter(RedactSecretsFilter())
    if any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return
    handler = _StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactSecretsFilter())
    root.addHandler(handler)


def request_id_from(header_value: str | None) -> str:
    """The caller's ``X-Request-Id`` if safe, else a fresh random id (32 hex chars)."""
    if header_value and _SAFE_REQUEST_ID.match(header_value):
        return header_value
    return uuid.uuid4().hex
