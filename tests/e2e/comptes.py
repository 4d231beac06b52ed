"""Accounts of the browser tests that log in: the app served with accounts (auth_developpement off)
over the e2e demo database, with these accounts in it. Fixtures `accounts_server` and
`accounts_page` (conftest.py) use them."""

from __future__ import annotations

from dataetat.auth.passwords import hash_password
from dataetat.cli.comptes import DEMO_ACCOUNTS
from dataetat.settings import Settings
from dataetat.store import comptes
from dataetat.store.engine import make_engine

PASSWORD = "mot de passe de test e2e"
AGENT = "agent.e2e@exemple.gouv.fr"  # USERS 53, logs in and out
AGENT_COMPTES = "agent.comptes.e2e@exemple.gouv.fr"  # USERS 53, changed by the ADMIN
ADMIN = next(
    email for email, role, _, _ in DEMO_ACCOUNTS if role == "ADMIN"
)  # `dataetat demo` draws its password


def prepare(settings: Settings) -> None:
    """Create the agents, and give the demo ADMIN the test password (active)."""
    engine = make_engine(settings)
    with engine.begin() as conn:
        comptes.update(conn, ADMIN, mot_de_passe=hash_password(PASSWORD), actif=True)
        for email, nom in ((AGENT, "Agent e2e"), (AGENT_COMPTES, "Agent comptes e2e")):
            if comptes.by_email(conn, email) is None:
                comptes.create(conn, email, "USERS", "53", hash_password(PASSWORD), nom)
    engine.dispose()
