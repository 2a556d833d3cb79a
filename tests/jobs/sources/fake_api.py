"""An in-process HTTP server side for the source clients: a ``requests`` transport adapter.

The real ``requests`` session and client code run unchanged; the adapter answers from
routes (path → handler of the query parameters), records every request, and plays queued
faults first (an HTTP status, optionally with headers, or an exception such as a timeout).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests

from tests.fake_transport import FakeTransport, Timeout

Handler = Callable[[dict[str, list[str]]], Any]
Fault = int | tuple[int, dict[str, str]] | Exception


@dataclass
class FakeApi(FakeTransport):
    """Routes by exact path; ``faults`` are consumed one per request before routing."""

    base_url: str
    routes: dict[str, Handler] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    seen: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def session(self) -> requests.Session:
        """A real session whose requests to ``base_url`` come here."""
        session = requests.Session()
        session.mount(self.base_url, self)
        return session

    def answer(self, request: requests.PreparedRequest, timeout: Timeout) -> requests.Response:
        if timeout is None:
            raise AssertionError("every request must carry a timeout")
        url = urlparse(request.url or "")
        path = url.path[len(urlparse(self.base_url).path) :]
        query = parse_qs(url.query)
        self.seen.append((path, query))
        if self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, Exception):
                raise fault
            status, headers = fault if isinstance(fault, tuple) else (fault, {})
            return _response(request, status, {"error": "injected"}, headers)
        handler = self.routes.get(path)
        if handler is None:
            return _response(request, 404, {"error": f"no route {path}"}, {})
        return _response(request, 200, handler(query), {})

    def paths(self) -> list[str]:
        """Paths requested, in order."""
        return [path for path, _ in self.seen]


def _response(
    request: requests.PreparedRequest, status: int, payload: Any, headers: dict[str, str]
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.request = request
    response.url = request.url or ""
    response.headers.update({"content-type": "application/json", **headers})
    response._content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return response
