"""Issue 19 campaign: simultaneous valuations and a refresh against one DuckDB warehouse on
a real ``gbess serve`` (loopback, 2 workers x 4 threads), from an empty ``var/``.

Every valuation ends 200 (a 503, or a 429 from the cap on heavy requests, must carry
``Retry-After`` and succeed on retry), none is
404, no problem shows a path or PID, and the refresh alongside exits 0. The same campaign,
larger, is ``bench/concurrency.py``.
"""

from __future__ import annotations

from pathlib import Path

from bench.concurrency import VALUATION, campaign

N_VALUATIONS = 8
# Two days rather than the benchmark's month keep the test short; the warehouse is read the
# same way.
SHORT = VALUATION | {"from": "2024-06-01", "to": "2024-06-02"}


def test_simultaneous_valuations_and_a_refresh_all_succeed(tmp_path: Path) -> None:
    # Before the fix: 10 of 36 valuations answered; 20 answers were 404 naming the file,
    # the interpreter and the PID, 6 were 500s, and 2 of 3 refreshes failed.
    (result,) = campaign(tmp_path / "var", n=N_VALUATIONS, rounds=1, valuation=SHORT)
    assert result.answers[404] == 0, result.as_json()
    assert result.final == {200: N_VALUATIONS}, result.as_json()
    assert result.leaks == [], result.as_json()
    assert result.refresh_exit == 0, result.refresh_stderr
    assert set(result.answers) <= {200, 429, 503}, result.as_json()
