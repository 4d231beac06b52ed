"""Read-your-writes over read replicas: the LSN of the user's last write travels in a short-lived
signed cookie, set by `LsnCookie` when a request wrote (`Database.write`) or showed the user a job
that wrote (an import's result carries the LSN after its commit); a read on a replica waits for it
(store/replicas.py). Without replicas nothing is set.

    request.state.lsn_ecrit = "0/3000148"   # noted by web/deps.py
    min_lsn(request)                        # the cookie's LSN, when valid and recent
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request

from dataetat.auth import sessions
from dataetat.store.replicas import later_lsn, valid_lsn

COOKIE = "dataetat_lsn"
MAX_AGE = 600  # seconds: beyond, any replica has long replayed the write (or is skipped)


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="dataetat-lsn")


def min_lsn(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        return valid_lsn(_serializer(request.app.state.auth.secret).loads(value, max_age=MAX_AGE))
    except (BadSignature, ValueError, TypeError):
        return None


def note(request: Request | None, lsn: str | None) -> None:
    """The user wrote up to `lsn` (or saw a job that did): their next reads must see it."""
    if request is None or not valid_lsn(lsn) or getattr(request.app.state, "replicas", None) is None:
        return
    request.state.lsn_ecrit = later_lsn(getattr(request.state, "lsn_ecrit", None), lsn)


class LsnCookie:
    """ASGI middleware: sets the cookie of the LSN noted during the request."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message) -> None:
            lsn = scope.get("state", {}).get("lsn_ecrit")
            if message["type"] == "http.response.start" and lsn:
                request = Request(scope)
                lsn = later_lsn(min_lsn(request), lsn)
                value = _serializer(request.app.state.auth.secret).dumps(lsn)
                secure = (
                    "; Secure" if sessions.cookie_options(scope.get("scheme") == "https")["secure"] else ""
                )
                cookie = f"{COOKIE}={value}; Max-Age={MAX_AGE}; Path=/; HttpOnly; SameSite=Lax{secure}"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
