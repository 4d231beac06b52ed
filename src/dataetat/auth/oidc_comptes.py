"""The local account (`compte`) of an agent who logs in through OpenID Connect: created at the first
login, its role and région brought up to date from the provider's claims at each login (the provider
is their source of truth), never a password (the marker below is no Argon2 hash: a password login
fails). An administrator may still disable it here: the login and the bearer tokens are then refused.
When the provider carries no rights (ProConnect, empty `oidc_claim_roles`), the account must have
been created by an administrator, and its role and région are kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.auth.claims import OidcUser
from dataetat.auth.oidc import OidcError
from dataetat.store import audit, comptes
from dataetat.store.comptes import Compte

NO_PASSWORD = "!oidc"
BY = "oidc"  # author of the account changes brought by the provider's claims, in the audit log
DISABLED = "Votre compte Data-État est désactivé : demandez à son administrateur de le réactiver."
UNKNOWN = "Aucun compte Data-État pour {email} : demandez-le à l'administrateur de Data-État de votre région."


def account_for(conn: Connection, user: OidcUser) -> Compte:
    account = comptes.by_email(conn, user.email)
    if user.role is None:
        if account is None:
            raise OidcError("compte-inconnu", UNKNOWN.format(email=user.email))
        if not account.actif:
            raise OidcError("compte-desactive", DISABLED)
        return account
    if account is None:
        _create(conn, user)
    elif not account.actif:
        raise OidcError("compte-desactive", DISABLED)
    elif (account.role, account.region) != (user.role, user.region):
        comptes.update(conn, user.email, role=user.role, region=user.region)
        changes = {
            field: [before, after]
            for field, before, after in (
                ("role", account.role, user.role),
                ("region", account.region, user.region),
            )
            if before != after
        }
        audit.account_changed(conn, BY, user.email, changes)
    found = comptes.by_email(conn, user.email)
    assert found is not None
    return found


def _create(conn: Connection, user: OidcUser) -> None:
    """The account of a first login. Two first logins at once (two tabs) both create it: on
    PostgreSQL the second waits for the first's row, then fails on the unique e-mail — it is caught
    in a savepoint and the first's account is used; on DuckDB the transaction is refused (« duplicate
    key »), and `login` is run through `write_retrying`: tried again, it finds the account."""
    if conn.dialect.name != "postgresql":
        comptes.create(conn, user.email, user.role, user.region, NO_PASSWORD)
        audit.account_created(conn, BY, user.email, user.role, user.region)
        return
    try:
        with conn.begin_nested():
            comptes.create(conn, user.email, user.role, user.region, NO_PASSWORD)
            audit.account_created(conn, BY, user.email, user.role, user.region)
    except sa.exc.IntegrityError:
        if comptes.by_email(conn, user.email) is None:  # another constraint than the e-mail's
            raise


def bearer_user(conn: Connection, user: OidcUser) -> OidcUser:
    """The agent of a bearer token, with its rights: refused when a local account disabled it; taken
    from the local account when the provider carries none. Never creates an account."""
    account = comptes.by_email(conn, user.email)
    if account is not None and not account.actif:
        raise OidcError("compte-desactive", DISABLED)
    if user.role is not None:
        return user
    if account is None:
        raise OidcError("compte-inconnu", UNKNOWN.format(email=user.email))
    return OidcUser(user.email, account.role, account.region, user.subject)


def login(conn: Connection, user: OidcUser, adresse: str | None) -> Compte:
    """The login of `user`: its account, the login audited. A refusal raises OidcError (the
    transaction is rolled back: record it with `refused` in another one). Run it through
    `write_retrying` (two logins at once: see `_create`)."""
    account = account_for(conn, user)
    audit.login(conn, account.email, account.region, methode="oidc", adresse=adresse)
    return account


def refused(conn: Connection, user: OidcUser, motif: str, adresse: str | None) -> None:
    audit.login_refused(conn, user.email, motif, methode="oidc", adresse=adresse)
