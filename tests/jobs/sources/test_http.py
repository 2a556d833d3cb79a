"""JsonClient: bounded retries with backoff and jitter, timeouts, rate limit, one error."""

from __future__ import annotations

import random

import pytest
import requests

from engine.errors import SourceUnavailableError
from jobs.sources.http import JsonClient, RetryPolicy
from tests.jobs.sources.fake_api import FakeApi

BASE = "https://api.example.test/v1"


def _client(fake: FakeApi, sleeps: list[float], policy: RetryPolicy | None = None) -> JsonClient:
    return JsonClient(
        fake.session(),
        BASE,
        "Example",
        policy or RetryPolicy(),
        sleep=sleeps.append,
        rng=random.Random(7),
    )


def _fake() -> FakeApi:
    return FakeApi(BASE, routes={"/thing": lambda q: {"data": [{"q": q.get("day")}]}})


def test_retries_429_and_5xx_then_succeeds() -> None:
    fake = _fake()
    fake.faults = [503, 429, 500]
    sleeps: list[float] = []
    client = _client(fake, sleeps, RetryPolicy(base_delay_s=1.0, max_delay_s=60.0))
    assert client.get_json("/thing", {"day": "2024-01-01"}, scope="2024-01-01") == {
        "data": [{"q": ["2024-01-01"]}]
    }
    assert len(fake.seen) == 4
    # Full jitter: each sleep within [0, base * 2**attempt] = [0, 1], [0, 2], [0, 4].
    assert len(sleeps) == 3
    assert all(0 <= s <= cap for s, cap in zip(sleeps, [1, 2, 4], strict=True))


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    fake = _fake()
    fake.faults = [(429, {"Retry-After": "7"}), (429, {"Retry-After": "999"})]
    sleeps: list[float] = []
    _client(fake, sleeps, RetryPolicy(max_delay_s=30.0)).get_json("/thing", None, scope="x")
    assert sleeps[0] >= 7.0
    assert sleeps[1] == 30.0  # capped


def test_timeouts_exhaust_attempts_and_name_endpoint_and_range() -> None:
    fake = _fake()
    fake.faults = [requests.ReadTimeout("slow")] * 3
    sleeps: list[float] = []
    client = _client(fake, sleeps, RetryPolicy(max_attempts=3))
    with pytest.raises(SourceUnavailableError) as caught:
        client.get_json("/thing", None, scope="2024-06-01..2024-06-30")
    message = caught.value.detail
    assert "Example /thing for 2024-06-01..2024-06-30" in message
    assert "after 3 attempts" in message
    assert "ReadTimeout" in message
    assert len(fake.seen) == 3
    assert len(sleeps) == 2  # no sleep after the last attempt


def test_client_errors_are_not_retried() -> None:
    fake = _fake()
    fake.faults = [400]
    sleeps: list[float] = []
    with pytest.raises(SourceUnavailableError, match="HTTP 400"):
        _client(fake, sleeps).get_json("/thing", None, scope="x")
    assert len(fake.seen) == 1
    assert sleeps == []


def test_unknown_path_is_a_404_error() -> None:
    with pytest.raises(SourceUnavailableError, match="HTTP 404"):
        _client(_fake(), []).get_json("/nope", None, scope="x")


def test_body_that_is_not_json() -> None:
    fake = FakeApi(BASE, routes={"/thing": lambda q: b"<html>maintenance</html>"})
    with pytest.raises(SourceUnavailableError, match="not JSON"):
        _client(fake, []).get_json("/thing", None, scope="x")


def test_rate_limit_spaces_calls() -> None:
    fake = _fake()
    sleeps: list[float] = []
    now = [100.0]
    client = _client(fake, sleeps, RetryPolicy(min_interval_s=30.0))
    client.clock = lambda: now[0]
    client.get_json("/thing", None, scope="x")
    now[0] += 5.0  # 5 s later: must wait the other 25 s
    client.get_json("/thing", None, scope="x")
    assert sleeps == [25.0]
