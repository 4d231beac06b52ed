"""Audit events of logins (ok, refused, logout) and account changes made on the command line, and
the admin page read through a real ADMIN login; on both databases."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dataetat.auth import passwords
from dataetat.cli import app as cli
from dataetat.store import audit, comptes
from dataetat.web import csrf
from dataetat.web.app import create_app

PASSWORD = "correct horse battery staple"


@pytest.fixture
def client(settings, engine):
    hashed = passwords.hash_password(PASSWORD)
    with engine.begin() as conn:
        comptes.create(conn, "admin@exemple.gouv.fr", "ADMIN", None, hashed)
        comptes.create(conn, "agent.53@exemple.gouv.fr", "USERS", "53", hashed)
    with TestClient(create_app(settings.model_copy(update={"auth_developpement": False}))) as client:
        yield client


def _token(client: TestClient, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text).group(1)


def _login(client: TestClient, email: str, password: str = PASSWORD):
    data = {csrf.FIELD: _token(client, "/connexion"), "email": email, "mot_de_passe": password}
    return client.post("/connexion", data=data, follow_redirects=False)


def _events(engine) -> list[tuple]:
    with engine.connect() as conn:
        found = audit.search(conn, audit.Filtres(), 100)
    return [(e.action, e.qui, e.region, e.resultat) for e in reversed(found)]


def test_logins_refusals_and_logouts_are_recorded(client, engine):
    assert _login(client, "agent.53@exemple.gouv.fr", "mauvais").status_code == 400
    assert _login(client, "Personne@Exemple.gouv.fr").status_code == 400
    assert _login(client, "agent.53@exemple.gouv.fr").status_code == 303
    assert client.get("/admin/audit").status_code == 403  # USERS: not the audit log
    logout = client.post(
        "/deconnexion", data={csrf.FIELD: _token(client, "/deconnexion")}, follow_redirects=False
    )
    assert logout.status_code == 303
    assert _login(client, "admin@exemple.gouv.fr").status_code == 303
    assert _events(engine) == [
        ("connexion-refusee", "agent.53@exemple.gouv.fr", None, "refuse"),
        ("connexion-refusee", "personne@exemple.gouv.fr", None, "refuse"),
        ("connexion", "agent.53@exemple.gouv.fr", "53", "ok"),
        ("deconnexion", "agent.53@exemple.gouv.fr", "53", "ok"),
        ("connexion", "admin@exemple.gouv.fr", None, "ok"),
    ]
    page = client.get("/admin/audit", params={"action": "connexion-refusee"})
    assert page.status_code == 200 and "personne@exemple.gouv.fr" in page.text
    assert "Adresse e-mail ou mot de passe incorrect" in page.text  # the reason, in the details


def test_account_changes_on_the_command_line_are_recorded(settings, engine, monkeypatch):
    monkeypatch.setenv("DATAETAT_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    add = ["user", "add", "--email", "nouveau@exemple.gouv.fr", "--role", "COMPTABLE", "--region", "53"]
    added = runner.invoke(cli, [*add, "--mot-de-passe-stdin"], input=PASSWORD + "\n", catch_exceptions=False)
    assert added.exit_code == 0, added.output
    for command in ("disable", "enable"):
        assert runner.invoke(cli, ["user", command, "nouveau@exemple.gouv.fr"]).exit_code == 0
    with engine.connect() as conn:
        created, disabled, enabled = reversed(audit.search(conn, audit.Filtres(), 10))
    assert (created.action, created.qui) == ("compte-cree", audit.CLI)
    assert created.details == {
        "compte": "nouveau@exemple.gouv.fr",
        "role": "COMPTABLE",
        "region_du_compte": "53",
    }
    assert (disabled.action, disabled.details) == ("compte-desactive", {"compte": "nouveau@exemple.gouv.fr"})
    assert enabled.action == "compte-modifie" and enabled.details["changements"] == {"actif": [False, True]}
