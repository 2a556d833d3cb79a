"""The base of the tests' in-process HTTP fakes: a ``requests`` transport adapter.

A fake is mounted on a real session (``session.mount(url, fake)``), so the client code under
test runs unchanged. ``send`` keeps ``BaseAdapter.send``'s full signature (so mypy checks the
fakes against ``requests``); each fake only says how it answers.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests
from requests.adapters import BaseAdapter

# What ``requests`` hands an adapter as ``timeout`` [s]: one value, or (connect, read).
Timeout = float | tuple[float, float] | tuple[float, None] | None


class FakeTransport(BaseAdapter):
    """A ``requests`` adapter answering in-process; subclasses implement ``answer``."""

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Timeout = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        return self.answer(request, timeout)

    def answer(self, request: requests.PreparedRequest, timeout: Timeout) -> requests.Response:
        """The response to ``request``; ``timeout`` as the client passed it [s]."""
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release."""
