"""Security headers on every response of the main HTTP port (docs/contract.md §4), and the
page's static files served by name without ever reaching the filesystem unchecked.

- every response: `X-Content-Type-Options: nosniff`, a Content-Security-Policy with
  `frame-ancestors 'none'` (the page's own policy on HTML, `default-src 'none'` elsewhere) and
  `X-Frame-Options: DENY` for older browsers;
- HTML and everything but static assets (API JSON, /healthz, /metrics): `Cache-Control:
  no-store`, so no proxy or browser cache keeps supervisor data.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

PAGE_CSP = ("default-src 'self'; img-src 'self' data: blob: *; connect-src 'self' ws: wss:; "
            "style-src 'self' 'unsafe-inline'; script-src 'self'; media-src 'self' blob:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
DATA_CSP = "default-src 'none'; frame-ancestors 'none'"
NAME_MAX = 255  # longest file name a Linux file system takes


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """aiohttp on_response_prepare hook: runs for every response a route (or an HTTP
    exception raised by one) answers, the static files' included."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    html = response.content_type == "text/html"
    headers["Content-Security-Policy"] = PAGE_CSP if html else DATA_CSP
    if html:
        headers["Referrer-Policy"] = "no-referrer"
    if html or not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"


def static_route(folder: Path) -> web.RouteDef:
    """GET /static/{name}: a file inside `folder` by its relative name, else 404 (names too
    long for the file system, dot files, `..` and links out of the folder included)."""
    root = folder.resolve()

    async def serve(request: web.Request) -> web.StreamResponse:
        parts = request.match_info["name"].split("/")
        if any(not p or p.startswith(".") or len(p.encode()) > NAME_MAX for p in parts):
            raise _missing()
        path = root.joinpath(*parts)
        try:
            if path.resolve().relative_to(root) and path.is_file():
                return web.FileResponse(path)
        except (OSError, ValueError):
            pass
        raise _missing()

    return web.get("/static/{name:.+}", serve)


def _missing() -> web.HTTPNotFound:
    return web.HTTPNotFound(text='{"error": "no such file"}', content_type="application/json")
