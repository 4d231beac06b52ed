"""The login itself: rate limit, password check (same answer and time for an unknown e-mail, a wrong
password or a disabled account), last login recorded."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from dataetat.auth import limiter, passwords
from dataetat.auth.sessions import Authentication
from dataetat.store import comptes
from dataetat.store.comptes import Compte

REFUSED = "Adresse e-mail ou mot de passe incorrect."
TOO_MANY = (
    "Trop de tentatives de connexion échouées : réessayez dans 15 minutes, ou demandez à un "
    "administrateur de vérifier votre compte."
)


class LoginRefused(Exception):
    """A refused login; its message is shown as is (French)."""


def login(conn: Connection, auth: Authentication, email: str, password: str, client: str | None) -> Compte:
    keys = limiter.keys(email, client)
    now = auth.clock()
    if auth.limiter.blocked(keys, now):
        raise LoginRefused(TOO_MANY)
    account = comptes.by_email(conn, email) if email.strip() else None
    ok = passwords.verify(account.mot_de_passe if account else None, password)
    if not (ok and account is not None and account.actif):
        auth.limiter.failure(keys, now)
        raise LoginRefused(REFUSED)
    auth.limiter.success(keys)
    comptes.record_login(conn, account.id)
    return account
