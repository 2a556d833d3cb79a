"""``GET /dashboard``: access rules, the page from stored grids, and a real browser render."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from jobs.dashboard.refresh import local_sink
from jobs.settings import Settings
from jobs.sheets.plan import Chart, Table, TabPlan, layout
from server.config import server_config
from tests.server.chromium import dump_dom, png_colours, screenshot

TOKEN = "dash-token-0123456789"


def _store(app: Flask) -> None:
    """Store one tab, as a refresh would, under the app's var dir."""
    settings: Settings = server_config(app).settings
    frame = pd.DataFrame(
        {
            "interval_start": pd.date_range("2024-06-01", periods=4, freq="30min", tz="UTC"),
            "system_price_gbp_per_mwh": [40.0, -10.0, 95.5, 60.0],
        }
    )
    chart = Chart("Price", "line", "week", "interval_start", ("system_price_gbp_per_mwh",))
    plan = TabPlan(
        "Market", dt.datetime(2024, 6, 1, 1, 30), (Table("week", "Week", frame),), (chart,)
    )
    local_sink(settings).write([layout(plan)])


def test_loopback_without_token_sees_the_page(app: Flask, client: FlaskClient) -> None:
    _store(app)
    response = client.get("/dashboard?tab=Market")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Market — data as of 2024-06-01 01:30 UTC" in page
    assert '<td class="n">95.50</td>' in page
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_non_loopback_caller_is_refused(app: Flask, client: FlaskClient) -> None:
    response = client.get("/dashboard", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 401
    assert "GBESS_DASHBOARD_TOKEN" in response.get_json()["detail"]


class TestToken:
    @pytest.fixture
    def server_env(self, server_env: dict[str, str]) -> dict[str, str]:
        return {**server_env, "GBESS_DASHBOARD_TOKEN": TOKEN}

    def test_token_once_then_cookie(self, app: Flask, client: FlaskClient) -> None:
        _store(app)
        assert client.get("/dashboard").status_code == 401
        assert client.get("/dashboard?token=wrong").status_code == 401
        first = client.get(f"/dashboard?token={TOKEN}&tab=Market")
        assert first.status_code == 303
        assert first.headers["Location"] == "/dashboard?tab=Market"
        cookie = first.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert client.get("/dashboard?tab=Market").status_code == 200  # the cookie now

    @pytest.mark.parametrize(
        ("tab", "location"),
        [
            # Issue 19 item 8: a CR LF in tab was a 500 (an invalid header), and an encoded
            # "&token=" became a second parameter of the redirect.
            ("a\r\nSet-Cookie: x=1", "/dashboard?tab=a%0D%0ASet-Cookie%3A+x%3D1"),
            ("x&token=leak", "/dashboard?tab=x%26token%3Dleak"),
            ("Fleet & prices", "/dashboard?tab=Fleet+%26+prices"),
        ],
    )
    def test_the_redirect_keeps_tab_one_encoded_value(
        self, client: FlaskClient, tab: str, location: str
    ) -> None:
        response = client.get("/dashboard", query_string={"token": TOKEN, "tab": tab})
        assert response.status_code == 303
        assert response.headers["Location"] == location

    def test_the_cookie_expires(self, client: FlaskClient) -> None:
        # Issue 19 item 8: it never expired (a session cookie kept for ever by some browsers).
        cookie = client.get(f"/dashboard?token={TOKEN}").headers["Set-Cookie"]
        assert "Max-Age=28800" in cookie
        assert "Expires=" in cookie

    def test_the_token_never_reaches_a_log(
        self, client: FlaskClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        # The dev server's request line (werkzeug) and gunicorn's access line both print the
        # query string; our loggers get a redacting filter for them.
        caplog.set_level(logging.INFO)
        client.get(f"/dashboard?token={TOKEN}&tab=Market")
        logging.getLogger("werkzeug").info('"GET /dashboard?token=%s&tab=M HTTP/1.1" 303', TOKEN)
        logging.getLogger("gunicorn.access").info("GET /dashboard?tab=M&token=%s", TOKEN)
        lines = [record.getMessage() for record in caplog.records]
        assert any("token=[redacted]&tab=M" in line for line in lines)
        assert any("tab=M&token=[redacted]" in line for line in lines)
        assert all(TOKEN not in line for line in lines)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_chromium_renders_table_and_chart(app: Flask, live_server: str, tmp_path: Path) -> None:
    _store(app)
    url = f"{live_server}/dashboard?tab=Market"
    dom = dump_dom(url, tmp_path)
    assert '<div class="table" data-table="week">' in dom
    assert "<th>System price [£/MWh]</th>" in dom
    assert 'data-chart="Price"' in dom
    assert "<polyline" in dom
    # The painted page holds the chart's line colour (#1f77b4) and the header fill (#f3f5f7).
    colours = png_colours(screenshot(url, tmp_path, size=(700, 700)))
    assert (0x1F, 0x77, 0xB4) in colours
    assert (0xF3, 0xF5, 0xF7) in colours
