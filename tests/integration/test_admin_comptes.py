"""The ADMIN accounts page (/admin/comptes) through real logins, on DuckDB and PostgreSQL: list and
filters, creation (password shown once, or none with OpenID Connect), role and région changed, an
account disabled (its open session refused at its next request) and enabled again, an admin's own
account protected, CSRF, other roles refused, audit events."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from dataetat.auth import passwords
from dataetat.auth.oidc_comptes import NO_PASSWORD
from dataetat.store import audit, comptes
from dataetat.web import csrf
from dataetat.web.app import create_app
from dataetat.web.pages import admin_comptes

PASSWORD = "correct horse battery staple"
ADMIN = "admin@exemple.gouv.fr"
AGENT = "agent.53@exemple.gouv.fr"
ACCOUNTS = {
    ADMIN: ("ADMIN", None, "Ada Admin"),
    "comptable.53@exemple.gouv.fr": ("COMPTABLE", "53", "Claude Comptable"),
    AGENT: ("USERS", "53", "Alix Agent"),
    "agent.52@exemple.gouv.fr": ("USERS", "52", None),
}


@pytest.fixture
def auth_settings(settings, engine):
    hashed = passwords.hash_password(PASSWORD)
    with engine.begin() as conn:
        for email, (role, region, nom) in ACCOUNTS.items():
            comptes.create(conn, email, role, region, hashed, nom)
    return settings.model_copy(update={"auth_developpement": False})


def _client(settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture
def admin(auth_settings):
    with _client(auth_settings) as client:
        assert login(client, ADMIN).status_code == 303
        yield client


@pytest.fixture
def agent(auth_settings):
    with _client(auth_settings) as client:
        assert login(client, AGENT).status_code == 303
        yield client


def _token(client: TestClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def login(client: TestClient, email: str, password: str = PASSWORD):
    data = {csrf.FIELD: _token(client, "/connexion"), "email": email, "mot_de_passe": password}
    return client.post("/connexion", data=data, follow_redirects=False)


def _id(engine, email: str) -> int:
    with engine.connect() as conn:
        return comptes.by_email(conn, email).id


def _account(engine, email: str) -> comptes.Compte:
    with engine.connect() as conn:
        return comptes.by_email(conn, email)


def post(client: TestClient, url: str, **data: str):
    data = {csrf.FIELD: _token(client, "/admin/comptes"), **data}
    return client.post(url, data=data, follow_redirects=False)


def _events(engine, *actions: str) -> list[audit.Evenement]:
    with engine.connect() as conn:
        found = audit.search(conn, audit.Filtres(), 100)
    return [e for e in reversed(found) if e.action in actions]


def test_list_shows_every_account_and_filters(admin):
    page = admin.get("/admin/comptes")
    assert page.status_code == 200
    for email in ACCOUNTS:
        assert f'data-compte="{email}"' in page.text
    assert "Ada Admin" in page.text and "Bretagne" in page.text and "Nationale" in page.text
    assert "Jamais" in page.text  # accounts that never logged in; the admin did
    assert "4 comptes affichés sur 4" in page.text
    assert 'href="/admin/comptes"' in page.text and 'href="/admin/audit"' in page.text  # header menu
    assert "(vous)" in page.text and 'id="desactiver-' in page.text
    only = admin.get("/admin/comptes", params={"q": "CLAUDE"})
    assert "1 compte affiché sur 4" in only.text and 'data-compte="comptable.53@exemple.gouv.fr"' in only.text
    users = admin.get("/admin/comptes", params={"role": "USERS"}).text
    assert users.count('data-compte="agent.') == 2 and f'data-compte="{ADMIN}"' not in users
    assert "Aucun compte" in admin.get("/admin/comptes", params={"actif": "non"}).text


def test_create_with_a_password_shown_once(admin, auth_settings, engine):
    created = post(
        admin,
        "/admin/comptes",
        email=" Nouvel.Agent@Exemple.gouv.fr",
        nom="Nouvel",
        role="COMPTABLE",
        region="52",
    )
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    shown = re.search(r'id="mot-de-passe-initial">([^<]+)<', created.text).group(1)
    assert len(shown) >= 24
    account = _account(engine, "nouvel.agent@exemple.gouv.fr")
    assert (account.role, account.region, account.nom, account.actif) == ("COMPTABLE", "52", "Nouvel", True)
    assert shown not in admin.get("/admin/comptes").text  # shown once
    with _client(auth_settings) as other:
        assert login(other, "nouvel.agent@exemple.gouv.fr", shown).status_code == 303
        assert "région 52 (comptable)" in other.get("/").text
    (event,) = _events(engine, "compte-cree")
    assert event.qui == ADMIN and event.details == {
        "compte": "nouvel.agent@exemple.gouv.fr",
        "role": "COMPTABLE",
        "region_du_compte": "52",
    }
    again = post(admin, "/admin/comptes", email="nouvel.agent@exemple.gouv.fr", role="USERS", region="NAT")
    assert again.status_code == 409 and "existe déjà" in again.text
    bad = post(admin, "/admin/comptes", email="x@exemple.gouv.fr", role="USERS", region="7")
    assert bad.status_code == 400 and "Choisissez une région" in bad.text
    assert post(admin, "/admin/comptes", email="sans-arobase", role="USERS", region="NAT").status_code == 400


def test_create_without_password_when_openid_connect_is_on(auth_settings, engine):
    oidc = auth_settings.model_copy(update={"oidc_issuer": "https://sso.exemple.gouv.fr/realms/x"})
    with _client(oidc) as client:
        assert login(client, ADMIN).status_code == 303
        assert "sans mot de passe" in client.get("/admin/comptes").text
        created = post(client, "/admin/comptes", email="oidc@exemple.gouv.fr", role="USERS", region="NAT")
    assert created.status_code == 201 and "mot-de-passe-initial" not in created.text
    assert "fournisseur d'identité" in created.text
    account = _account(engine, "oidc@exemple.gouv.fr")
    assert account.mot_de_passe == NO_PASSWORD and account.region is None


def test_change_role_and_region_ends_the_sessions_of_the_account(admin, agent, engine):
    assert agent.get("/").status_code == 200
    compte_id = _id(engine, AGENT)
    before = _account(engine, AGENT).version
    changed = post(admin, f"/admin/comptes/{compte_id}", role="COMPTABLE", region="52", retour="role=USERS")
    assert changed.status_code == 303
    assert changed.headers["location"] == f"/admin/comptes?role=USERS&ok=modifie&id={compte_id}"
    assert "Le compte agent.53@exemple.gouv.fr a été modifié" in admin.get(changed.headers["location"]).text
    account = _account(engine, AGENT)
    assert (account.role, account.region, account.version) == ("COMPTABLE", "52", before + 1)
    refused = agent.get("/", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/connexion")
    (event,) = _events(engine, "compte-modifie")
    assert event.qui == ADMIN and event.details == {
        "compte": AGENT,
        "changements": {"role": ["USERS", "COMPTABLE"], "region": ["53", "52"]},
    }
    national = post(admin, f"/admin/comptes/{compte_id}", role="COMPTABLE", region="NAT")
    assert national.status_code == 303 and _account(engine, AGENT).region is None
    same = post(admin, f"/admin/comptes/{compte_id}", role="COMPTABLE", region="NAT")
    assert "ok=inchange" in same.headers["location"] and _account(engine, AGENT).version == before + 2
    assert post(admin, f"/admin/comptes/{compte_id}", role="CHEF", region="NAT").status_code == 400
    assert post(admin, "/admin/comptes/999999", role="USERS", region="NAT").status_code == 404


def test_disable_refuses_the_open_session_then_enable(admin, agent, auth_settings, engine):
    assert agent.get("/").status_code == 200
    compte_id = _id(engine, AGENT)
    page = admin.get("/admin/comptes").text
    assert 'data-confirmer="Désactiver le compte agent.53@exemple.gouv.fr ?' in page
    # sent before its script has loaded (no confirme=oui): the server asks, nothing changes
    asked = post(admin, f"/admin/comptes/{compte_id}/actif", actif="0")
    assert asked.status_code == 200 and "Désactiver le compte agent.53@exemple.gouv.fr ?" in asked.text
    assert 'name="confirme" value="oui"' in asked.text and 'name="actif" value="0"' in asked.text
    assert _account(engine, AGENT).actif and agent.get("/").status_code == 200
    disabled = post(admin, f"/admin/comptes/{compte_id}/actif", actif="0", confirme="oui")
    assert disabled.status_code == 303 and "ok=desactive" in disabled.headers["location"]
    assert not _account(engine, AGENT).actif
    assert agent.get("/", follow_redirects=False).status_code == 303  # the open session, refused at once
    assert agent.get("/api/v1/lignes").status_code == 401
    assert "Désactivé" in admin.get("/admin/comptes", params={"actif": "non"}).text
    with _client(auth_settings) as other:
        assert login(other, AGENT).status_code == 400
    enabled = post(admin, f"/admin/comptes/{compte_id}/actif", actif="1")
    assert enabled.status_code == 303 and _account(engine, AGENT).actif
    with _client(auth_settings) as other:
        assert login(other, AGENT).status_code == 303
    disabled_event, enabled_event = _events(engine, "compte-desactive", "compte-modifie")
    assert (disabled_event.action, disabled_event.qui, disabled_event.details) == (
        "compte-desactive",
        ADMIN,
        {"compte": AGENT},
    )
    assert enabled_event.details == {"compte": AGENT, "changements": {"actif": [False, True]}}
    assert post(admin, f"/admin/comptes/{compte_id}/actif", actif="peut-être").status_code == 400


def test_an_admin_cannot_disable_nor_demote_themself(admin, engine):
    me = _id(engine, ADMIN)
    assert f'id="desactiver-{me}"' not in admin.get("/admin/comptes").text  # no button for oneself
    refused = post(admin, f"/admin/comptes/{me}/actif", actif="0", confirme="oui")
    assert refused.status_code == 403 and admin_comptes.SOI_DESACTIVER in refused.text
    demoted = post(admin, f"/admin/comptes/{me}", role="USERS", region="NAT")
    assert demoted.status_code == 403 and "retirer votre propre rôle" in demoted.text
    account = _account(engine, ADMIN)
    assert (account.actif, account.role) == (True, "ADMIN")
    assert _events(engine, "compte-modifie", "compte-desactive") == []
    # Their own région may change: the session goes on (a new cookie with the new version).
    moved = post(admin, f"/admin/comptes/{me}", role="ADMIN", region="53")
    assert moved.status_code == 303 and _account(engine, ADMIN).region == "53"
    assert "région 53 (administrateur)" in admin.get("/admin/comptes").text


def test_forms_without_the_csrf_token_are_refused(admin, engine):
    compte_id = _id(engine, AGENT)
    admin.get("/admin/comptes")  # the cookie is set, the field is missing or wrong
    for url, data in (
        ("/admin/comptes", {"email": "x@exemple.gouv.fr", "role": "USERS", "region": "NAT"}),
        (f"/admin/comptes/{compte_id}", {"role": "ADMIN", "region": "NAT"}),
        (f"/admin/comptes/{compte_id}/actif", {"actif": "0", csrf.FIELD: "x" * 43}),
    ):
        refused = admin.post(url, data=data, follow_redirects=False)
        assert refused.status_code == 403 and "jeton de sécurité" in refused.text
    account = _account(engine, AGENT)
    assert (account.role, account.actif) == ("USERS", True)
    assert _account(engine, "x@exemple.gouv.fr") is None


@pytest.mark.parametrize("email", [AGENT, "comptable.53@exemple.gouv.fr"])
def test_other_roles_get_a_french_403(auth_settings, engine, email):
    compte_id = _id(engine, AGENT)
    with _client(auth_settings) as client:
        assert login(client, email).status_code == 303
        page = client.get("/admin/comptes")
        assert page.status_code == 403 and "réservée aux administrateurs" in page.text
        assert 'href="/admin/comptes"' not in client.get("/").text  # no Administration menu
        token = _token(client, "/exports")
        for url, data in (
            ("/admin/comptes", {"email": "x@exemple.gouv.fr", "role": "ADMIN", "region": "NAT"}),
            (f"/admin/comptes/{compte_id}", {"role": "ADMIN", "region": "NAT"}),
            (f"/admin/comptes/{compte_id}/actif", {"actif": "0"}),
        ):
            assert client.post(url, data={csrf.FIELD: token, **data}).status_code == 403
    assert _account(engine, AGENT).role == "USERS" and _account(engine, "x@exemple.gouv.fr") is None


def test_anonymous_visitors_go_to_the_login(auth_settings):
    with _client(auth_settings) as client:
        page = client.get("/admin/comptes", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/connexion")
        refused = client.post("/admin/comptes/1/actif", data={"actif": "0"}, follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/connexion")
