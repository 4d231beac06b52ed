"""Security headers on every HTTP response (pages, API, static files, errors handled by the app).

The Content-Security-Policy allows no inline script, no eval and no third-party host: every script,
stylesheet, font and image is served by the app itself. Exceptions, each for a library we ship:
MapLibre GL starts its workers from `blob:` URLs (`worker-src`, `child-src`); the map and the
charts draw into canvases and ECharts exports a chart as a `data:` PNG (`img-src data: blob:`).
Styles set from JavaScript through the CSSOM (`element.style.x = …`) are allowed by `style-src 'self'`;
style *attributes* written in markup are not: templates and modules use classes.

Strict-Transport-Security is sent only when the request came over https: the ASGI scheme (uvicorn
already trusts X-Forwarded-Proto from 127.0.0.1), or the X-Forwarded-Proto header from any client
when the setting `derriere_proxy_https` says a TLS proxy stands in front of the app."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "child-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("referrer-policy", "same-origin"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ("cross-origin-opener-policy", "same-origin"),
)

HSTS = ("strict-transport-security", "max-age=31536000")


class SecurityHeaders:
    """Pure ASGI middleware (it does not buffer streamed responses such as the exports). A header a
    route already set is kept: a route may only be stricter than this default."""

    def __init__(self, app: ASGIApp, *, derriere_proxy_https: bool = False) -> None:
        self.app = app
        self.derriere_proxy_https = derriere_proxy_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = HEADERS + ((HSTS,) if self.over_https(scope) else ())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def over_https(self, scope: Scope) -> bool:
        if scope.get("scheme") == "https":
            return True
        if not self.derriere_proxy_https:
            return False
        forwarded = Headers(scope=scope).get("x-forwarded-proto", "")
        # A chain of proxies lists one scheme per hop: the first is the client's.
        return forwarded.split(",")[0].strip().lower() == "https"
