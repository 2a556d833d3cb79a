"""HTTP for the sources: bounded retries with backoff and jitter, timeouts, rate limits.

Both the Elexon and NESO clients talk through :class:`JsonClient`: a ``requests`` session
passed in (tests mount an in-process fake on it), a timeout on every call, retries on
429, 5xx, timeouts and dropped connections with exponential backoff and full jitter
(sleep uniform in [0, min(cap, base * 2**attempt)], honouring ``Retry-After``), a minimum
interval between calls for rate-limited APIs, and one :class:`SourceUnavailableError`
naming the endpoint and the range when the retries run out. ``sleep`` and ``clock`` are
injectable so tests never wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from engine.errors import SourceUnavailableError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try.

    Attributes:
        max_attempts: Attempts per call, first included.
        base_delay_s: First backoff cap [s]; doubles each retry.
        max_delay_s: Largest backoff [s] (also caps ``Retry-After``).
        connect_timeout_s: Connection timeout per attempt [s].
        read_timeout_s: Read timeout per attempt [s].
        min_interval_s: Minimum time between the starts of two calls [s] (rate limit).
    """

    max_attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    min_interval_s: float = 0.0


@dataclass
class JsonClient:
    """GET JSON from one API with retries.

    Args:
        session: The ``requests`` session (injected; real in production, faked in tests).
        base_url: API root, e.g. ``https://data.elexon.co.uk/bmrs/api/v1``.
        name: Source name for messages ("Elexon Insights").
        policy: Retry, timeout and rate-limit policy.
        sleep: Sleep function [s] (``time.sleep``; tests record instead).
        clock: Monotonic clock [s] for the rate limit.
        rng: Random source for jitter.
    """

    session: requests.Session
    base_url: str
    name: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    calls: int = 0
    _last_call: float | None = None

    def get_json(self, path: str, params: Mapping[str, Any] | None, *, scope: str) -> Any:
        """GET ``base_url + path`` and decode JSON.

        Args:
            path: Endpoint path, e.g. ``/datasets/MID``.
            params: Query parameters (lists are repeated keys).
            scope: The range asked for, for error messages ("2024-06-01").

        Returns:
            The decoded JSON document.

        Raises:
            SourceUnavailableError: After the last retry, on a non-retryable HTTP error,
                or when the body is not JSON; names the endpoint and the range.
        """
        url = self.base_url.rstrip("/") + path
        where = f"{self.name} {path} for {scope}"
        last_problem = "no attempt made"
        for attempt in range(self.policy.max_attempts):
            self._respect_rate_limit()
            self.calls += 1
            retry_after: float | None = None
            try:
                response = self.session.get(
                    url,
                    params=dict(params or {}),
                    timeout=(self.policy.connect_timeout_s, self.policy.read_timeout_s),
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    try:
                        return response.json()
                    except ValueError as exc:
                        raise SourceUnavailableError(
                            f"{where}: response is not JSON ({exc})", field=path
                        ) from exc
                last_problem = f"HTTP {response.status_code}: {response.text[:200]}"
                if response.status_code not in RETRY_STATUSES:
                    raise SourceUnavailableError(f"{where}: {last_problem}", field=path)
                retry_after = _retry_after_s(response)
            if attempt + 1 < self.policy.max_attempts:
                self.sleep(self._backoff_s(attempt, retry_after))
        raise SourceUnavailableError(
            f"{where}: failed after {self.policy.max_attempts} attempts ({last_problem})",
            field=path,
        )

    def _backoff_s(self, attempt: int, retry_after: float | None) -> float:
        cap = min(self.policy.max_delay_s, self.policy.base_delay_s * 2**attempt)
        delay = self.rng.uniform(0.0, cap)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.policy.max_delay_s))
        return delay

    def _respect_rate_limit(self) -> None:
        now = self.clock()
        if self._last_call is not None and self.policy.min_interval_s > 0:
            wait = self._last_call + self.policy.min_interval_s - now
            if wait > 0:
                self.sleep(wait)
                now += wait
        self._last_call = now


def _retry_after_s(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
