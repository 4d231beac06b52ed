"""The login itself: rate limit (shared by every app server: auth/limiter.py), password check (same
answer and time for an unknown e-mail, a wrong password or a disabled account). The caller records the
last login in its own transaction (`comptes.record_login`, retried on a conflict: simultaneous logins
to one account)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dataetat.auth import limiter, passwords
from dataetat.auth.sessions import Authentication
from dataetat.store import comptes
from dataetat.store.comptes import Compte

REFUSED = "Adresse e-mail ou mot de passe incorrect."
TOO_MANY = "Trop de tentatives de connexion échouées"


def too_many(seconds: float) -> str:
    return (
        f"{TOO_MANY} : réessayez dans {limiter.in_words(seconds)}, ou demandez à un administrateur "
        "de vérifier votre compte."
    )


class LoginRefused(Exception):
    """A refused login; its message is shown as is (French)."""


def login(engine: Engine, auth: Authentication, email: str, password: str, client: str | None) -> Compte:
    now = auth.clock()
    if (wait := auth.limiter.wait(engine, email, client, now)) > 0:
        raise LoginRefused(too_many(wait))
    with engine.connect() as conn:
        account = comptes.by_email(conn, email) if email.strip() else None
    ok = passwords.verify(account.mot_de_passe if account else None, password)
    if not (ok and account is not None and account.actif):
        auth.limiter.failure(engine, email, client, now)
        raise LoginRefused(REFUSED)
    auth.limiter.success(engine, email, client, now)
    return account
