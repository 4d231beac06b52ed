"""Session cookies: signed (itsdangerous, with the `secret_key` setting), HttpOnly, SameSite=Lax,
Secure behind https. The cookie holds the account id, the account version it was opened with and
the time of the last activity; a request after `session_inactivite_heures` without activity is
refused (sliding timeout: each request moves the time on), and so is a session whose account was
disabled or changed since (its version moved on, store/comptes.py).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeSerializer

from dataetat.auth.limiter import SharedLimiter
from dataetat.settings import Settings
from dataetat.settings.connexion import SECRET_PLACEHOLDER

COOKIE = "dataetat_session"
REFRESH_AFTER = 60  # seconds: the cookie is rewritten at most once a minute
log = logging.getLogger("dataetat.auth")


class ConfigurationError(RuntimeError):
    """A setting that forbids starting the app, explained in French."""


@dataclass(frozen=True)
class Session:
    compte_id: int
    version: int
    last_activity: float


def is_server_mode(settings: Settings) -> bool:
    return settings.database_url.startswith("postgresql")


@dataclass
class Authentication:
    """What the web layer needs to open and read sessions; kept on `app.state.auth`. Tests may set
    `clock` (seconds since the epoch) to move time on."""

    secret: str
    timeout: float  # seconds of inactivity
    development: bool
    clock: Callable[[], float] = time.time
    limiter: SharedLimiter = field(default_factory=SharedLimiter)  # counters in the database

    @classmethod
    def from_settings(cls, settings: Settings) -> Authentication:
        server = is_server_mode(settings)
        if server and settings.secret_key == SECRET_PLACEHOLDER:
            raise ConfigurationError(
                "DATAETAT_SECRET_KEY doit être défini en mode serveur (PostgreSQL) : une valeur longue et "
                "aléatoire, par exemple `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if server and settings.auth_developpement and "PYTEST_CURRENT_TEST" not in os.environ:
            raise ConfigurationError(
                "DATAETAT_AUTH_DEVELOPPEMENT est refusé en mode serveur (PostgreSQL) : chaque agent se connecte."
            )
        secret = settings.secret_key
        if secret == SECRET_PLACEHOLDER:
            secret = secrets.token_urlsafe(48)
            if not settings.auth_developpement:
                log.warning(
                    "DATAETAT_SECRET_KEY non défini : clé de session aléatoire, les sessions ne survivront "
                    "pas à un redémarrage."
                )
        return cls(secret, settings.session_inactivite_heures * 3600, settings.auth_developpement)

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt="dataetat-session")

    def encode(self, compte_id: int, version: int) -> str:
        return self._serializer().dumps([compte_id, version, int(self.clock())])

    def decode(self, value: str | None) -> Session | None:
        """The session of a cookie value, or None when absent, forged or inactive for too long."""
        if not value:
            return None
        try:
            compte_id, version, last = self._serializer().loads(value)
        except (BadSignature, ValueError, TypeError):
            return None
        if not all(isinstance(v, int) for v in (compte_id, version, last)):
            return None
        if self.clock() - last > self.timeout:
            return None
        return Session(compte_id, version, last)

    def needs_refresh(self, session: Session) -> bool:
        return self.clock() - session.last_activity >= REFRESH_AFTER


def cookie_options(secure: bool) -> dict:
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}
