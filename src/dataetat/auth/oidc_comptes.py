"""The local account (`compte`) of an agent who logs in through OpenID Connect: created at the first
login, its role and région brought up to date from the provider's claims at each login (the provider
is their source of truth), never a password (the marker below is no Argon2 hash: a password login
fails). An administrator may still disable it here: the login and the bearer tokens are then refused.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from dataetat.auth.claims import OidcUser
from dataetat.auth.oidc import OidcError
from dataetat.store import comptes
from dataetat.store.comptes import Compte

NO_PASSWORD = "!oidc"
DISABLED = "Votre compte Data-État est désactivé : demandez à son administrateur de le réactiver."


def account_for(conn: Connection, user: OidcUser) -> Compte:
    account = comptes.by_email(conn, user.email)
    if account is None:
        comptes.create(conn, user.email, user.role, user.region, NO_PASSWORD)
    elif not account.actif:
        raise OidcError("compte-desactive", DISABLED)
    elif (account.role, account.region) != (user.role, user.region):
        comptes.update(conn, user.email, role=user.role, region=user.region)
    found = comptes.by_email(conn, user.email)
    assert found is not None
    return found


def bearer_allowed(conn: Connection, user: OidcUser) -> bool:
    """A bearer token's agent is refused only when a local account disabled it."""
    account = comptes.by_email(conn, user.email)
    return account is None or account.actif
