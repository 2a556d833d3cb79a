"""The gunicorn worker the webhook runs in: read deadlines, JSON errors, no body drains.

``server.gunicorn_conf`` selects :class:`GbessThreadWorker`, gunicorn's ``gthread`` worker
with three changes:

* **Read deadlines.** A connection has ``GBESS_READ_TIMEOUT_S`` (10 s) in total to send a
  request line and headers; a client trickling bytes cannot hold a thread longer. The
  app's authentication (:mod:`server.auth`) checks the credentials from the headers first
  and only then extends the deadline to cover the declared body (:func:`extend_read_deadline`:
  the read timeout plus one second per 100 kB); a body not in by then is a 408.
  Sends have a per-write idle timeout (:data:`SEND_IDLE_TIMEOUT_S`).
* **No draining of unread bodies.** An answer sent before the body was read (a 401, 413
  or 429) closes the connection instead of keeping it alive, which would make a thread
  wait for the rest of a body nobody will read.
* **Errors as problem+json.** Requests gunicorn refuses itself (a header over
  ``limit_request_field_size``, a malformed request line) get an RFC 9457 problem, not
  gunicorn's HTML page.

Outside gunicorn (Flask's test client, ``flask run``) the helpers do nothing.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from typing import Any

from gunicorn.http import errors as http_errors  # type: ignore[import-untyped]  # gunicorn ships no types
from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]  # gunicorn ships no types

DEFAULT_READ_TIMEOUT_S = 10.0
# The interpreter's thread switch interval in workers [s] (Python's default is 5 ms): a
# lookup thread waiting for the GIL behind a CPU-bound valuation thread gets it sooner.
SWITCH_INTERVAL_S = 0.001
# Body bytes a client is expected to manage per second once its headers are in [B/s].
MIN_BODY_RATE_BYTES_PER_S = 100_000
SEND_IDLE_TIMEOUT_S = 30.0

_state = threading.local()


class RequestReadTimeout(http_errors.NoMoreData):  # type: ignore[misc]  # base from untyped gunicorn
    """The client did not send its request (headers, then body) before the read deadline.

    A :class:`gunicorn.http.errors.NoMoreData`, so gunicorn closes the connection quietly
    when it happens while headers are read; the app turns it into a 408 while reading a
    body.
    """

    def __init__(self) -> None:
        super().__init__(b"")

    def __str__(self) -> str:
        return "the request was not received before the read deadline"


class DeadlineSocket:
    """A socket whose ``recv`` fails once a deadline (monotonic seconds) has passed.

    Args:
        sock: The connection's socket.
        deadline_s: The monotonic time after which reads fail.
    """

    def __init__(self, sock: socket.socket, deadline_s: float) -> None:
        self.sock = sock
        self.deadline_s = deadline_s

    def recv(self, size: int) -> bytes:
        remaining = self.deadline_s - time.monotonic()
        if remaining <= 0:
            raise RequestReadTimeout()
        self.sock.settimeout(remaining)
        try:
            return self.sock.recv(size)
        except TimeoutError:
            raise RequestReadTimeout() from None
        finally:
            self.sock.settimeout(SEND_IDLE_TIMEOUT_S)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


def extend_read_deadline(body_bytes: int | None, read_timeout_s: float) -> None:
    """Give the current request's body ``read_timeout_s`` + 1 s per 100 kB from now.

    Called by authentication once the credentials in the headers are good. A no-op
    outside :class:`GbessThreadWorker`.
    """
    wrapped: DeadlineSocket | None = getattr(_state, "socket", None)
    if wrapped is not None:
        extra_s = (body_bytes or 0) / MIN_BODY_RATE_BYTES_PER_S
        wrapped.deadline_s = time.monotonic() + read_timeout_s + extra_s


def read_deadline_passed() -> bool:
    """Whether the current request's read deadline has passed (``False`` outside gunicorn)."""
    wrapped: DeadlineSocket | None = getattr(_state, "socket", None)
    return wrapped is not None and time.monotonic() >= wrapped.deadline_s


def close_after_response() -> None:
    """Close the connection once the current answer is sent (no keep-alive)."""
    req = getattr(_state, "req", None)
    if req is not None:
        req.must_close = True


def _body_unread(req: Any) -> bool:
    """Whether part of the request body may still be on the wire."""
    body = getattr(req, "body", None)
    reader = getattr(body, "reader", None)
    if reader is None:
        return False
    length = getattr(reader, "length", None)
    if length is not None:
        return bool(length > 0)
    # Chunked or read-until-EOF bodies: finished only when the parser is spent.
    return getattr(reader, "parser", True) is not None


_STATUS = {
    400: ("Bad Request", "bad-request"),
    408: ("Request Timeout", "request-timeout"),
    414: ("URI Too Long", "uri-too-long"),
    431: ("Request Header Fields Too Large", "header-fields-too-large"),
    500: ("Internal Server Error", "internal-error"),
    501: ("Not Implemented", "not-implemented"),
}


def problem_bytes(status: int, detail: str) -> bytes:
    """A complete HTTP/1.1 problem+json answer that closes the connection."""
    reason, slug = _STATUS.get(status, ("Error", "http-error"))
    body = json.dumps(
        {"type": f"urn:gbess:problem:{slug}", "title": reason, "status": status, "detail": detail}
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/problem+json\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


def classify(exc: BaseException, cfg: Any) -> tuple[int, str]:
    """Status and detail for a request gunicorn refused before the app saw it."""
    if isinstance(exc, http_errors.LimitRequestHeaders):
        return 431, (
            f"request headers too large: at most {cfg.limit_request_fields} headers of at "
            f"most {cfg.limit_request_field_size} bytes each"
        )
    if isinstance(exc, http_errors.LimitRequestLine):
        return 414, f"request line longer than {cfg.limit_request_line} bytes"
    if isinstance(exc, http_errors.UnsupportedTransferCoding):
        return 501, "unsupported transfer coding"
    if isinstance(exc, http_errors.ParseException):
        return 400, f"malformed request: {type(exc).__name__}"
    return 500, "unexpected error before the request reached the application"


class GbessThreadWorker(ThreadWorker):  # type: ignore[misc]  # base from untyped gunicorn
    """gunicorn's gthread worker with read deadlines and problem+json errors (module doc)."""

    read_timeout_s = DEFAULT_READ_TIMEOUT_S

    def init_process(self) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        super().init_process()

    def handle(self, conn: Any) -> Any:
        # The deadline starts when a thread takes the connection up, not when it was
        # queued: a request that waited for a free thread still gets its full time.
        deadline_s = time.monotonic() + self.read_timeout_s
        unreader = conn.parser.unreader
        if isinstance(unreader.sock, DeadlineSocket):
            unreader.sock.deadline_s = deadline_s
        else:
            unreader.sock = DeadlineSocket(unreader.sock, deadline_s)
        conn.sock.settimeout(SEND_IDLE_TIMEOUT_S)
        return super().handle(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        _state.req = req
        _state.socket = conn.parser.unreader.sock
        try:
            return super().handle_request(req, conn)
        finally:
            _state.req = None
            _state.socket = None

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app: Any = getattr(self, "wsgi")  # noqa: B009  # set by gunicorn's untyped base

        def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
            def start(status: str, headers: Any, exc_info: Any = None) -> Any:
                req = getattr(_state, "req", None)
                if req is not None and _body_unread(req):
                    req.must_close = True
                return start_response(status, headers, exc_info)

            return app(environ, start)

        self.wsgi = wsgi

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        status, detail = classify(exc, self.cfg)
        if status >= 500:
            self.log.exception("Error handling request")
        else:
            peer = (addr or ("", -1))[0]
            self.log.warning("Invalid request from ip=%s: %s", peer, detail)
        try:
            client.sendall(problem_bytes(status, detail))
        except OSError:
            self.log.debug("Failed to send error message.")
