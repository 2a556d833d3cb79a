"""``GET /dashboard``: the dashboard tabs as one HTML page, from the last refresh.

Rendered from the tab grids the last ``gbess refresh`` stored (the same write plan the
workbook and Google Sheets get), so opening the page never runs a refresh.

Authentication (a browser cannot sign HMAC requests or mint Google ID tokens):

* ``GBESS_DASHBOARD_TOKEN`` set: open ``/dashboard?token=<token>`` once; the server checks
  it in constant time, sets an HttpOnly, SameSite=Strict cookie (``Secure`` unless the
  server is bound to loopback) that expires after :data:`COOKIE_MAX_AGE_S` (8 hours), and
  redirects to the clean URL (``tab`` kept, percent-encoded). Without a valid token or
  cookie the answer is 401. Our logs never show the token (``server/logs.py`` redacts
  ``token=``); a front end's own request log (Cloud Run's) records the URL as sent.
* No token set: the page is served only when the server is bound to loopback (the
  default ``127.0.0.1``) *and* the caller is on loopback — the laptop case of
  ``make run``. Anywhere else it is 401 until a token is configured.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from flask import redirect, request
from werkzeug.wrappers import Response

from jobs.dashboard.refresh import local_sink
from jobs.sheets.html import render_page
from server.api import ApiBlueprint
from server.config import ServerConfig, is_loopback, server_config
from server.errors import ProblemError
from server.validation import ApiModel

bp = ApiBlueprint("dashboard", __name__, url_prefix="")

TOKEN_SETTING = "GBESS_DASHBOARD_TOKEN"
COOKIE = "gbess_dashboard"
#: How long the dashboard cookie lasts [s]: a working day, then the token link again.
COOKIE_MAX_AGE_S = 8 * 3600


class DashboardQuery(ApiModel):
    """Query string of ``/dashboard``.

    Attributes:
        tab: Tab title to show (default: the first tab).
        token: The dashboard token (``GBESS_DASHBOARD_TOKEN``), once; kept as a cookie.
    """

    tab: str | None = None
    token: str | None = None


def _check_access(config: ServerConfig, query: DashboardQuery) -> Response | None:
    """None when the caller may see the page; a redirect that stores a given token."""
    token = config.settings.extra.get(TOKEN_SETTING, "")
    if token:
        offered = query.token or request.cookies.get(COOKIE, "")
        if not hmac.compare_digest(offered.encode(), token.encode()):
            raise ProblemError(401, "open /dashboard?token=<GBESS_DASHBOARD_TOKEN>")
        if query.token is None:
            return None
        # Percent-encoded: a tab of "x&token=leak" or "\r\n" stays one parameter's value.
        target = "/dashboard" + (f"?{urlencode({'tab': query.tab})}" if query.tab else "")
        response = redirect(target, code=303)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            secure=not is_loopback(config.host),
            path="/dashboard",
            max_age=COOKIE_MAX_AGE_S,
        )
        return response
    if is_loopback(config.host) and is_loopback(request.remote_addr or ""):
        return None
    raise ProblemError(
        401,
        f"the dashboard off loopback needs {TOKEN_SETTING}; set it and open /dashboard?token=...",
    )


@bp.operation(
    "GET",
    "/dashboard",
    query=DashboardQuery,
    content_type="text/html",
    public=True,
    summary="Dashboard tabs as HTML (token or loopback; see the description)",
)
def dashboard(query: DashboardQuery) -> Response:
    """The last refreshed dashboard tabs (tables and inline SVG charts, no script, no CDN).

    Access: a ``GBESS_DASHBOARD_TOKEN`` passed once as ``?token=`` (then a cookie), or,
    with no token configured, loopback callers of a loopback-bound server only.
    """
    config = server_config()
    stored = _check_access(config, query)
    if stored is not None:
        return stored
    grids = local_sink(config.settings).load()
    page = render_page(grids, query.tab)
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
