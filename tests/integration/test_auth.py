"""Accounts and sessions of the embedded mode, on DuckDB and PostgreSQL: login, refusals with one
message, rate limit, sessions refused at once when the account changes, inactivity timeout (clock
moved by the test), logout, CSRF, anonymous visitors, roles and the région scope through a login."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tests.factories import ae_row, import_two_regions, write_ae
from typer.testing import CliRunner

from dataetat.auth import passwords, sessions
from dataetat.auth.login import REFUSED, TOO_MANY
from dataetat.cli import app as cli
from dataetat.settings import Settings
from dataetat.settings.connexion import SECRET_PLACEHOLDER
from dataetat.store import comptes, taches
from dataetat.web import csrf
from dataetat.web.app import create_app
from dataetat.web.deps import Admin

PASSWORD = "correct horse battery staple"
ACCOUNTS = {
    "admin@exemple.gouv.fr": ("ADMIN", None),
    "comptable.53@exemple.gouv.fr": ("COMPTABLE", "53"),
    "agent.53@exemple.gouv.fr": ("USERS", "53"),
    "agent.52@exemple.gouv.fr": ("USERS", "52"),
}
HOUR = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def auth_settings(settings, engine, tmp_path) -> Settings:
    hashed = passwords.hash_password(PASSWORD)
    with engine.begin() as conn:
        for email, (role, region) in ACCOUNTS.items():
            comptes.create(conn, email, role, region, hashed)
    import_two_regions(engine, tmp_path)
    return settings.model_copy(
        update={"auth_developpement": False, "dossier_televersements": tmp_path / "televersements"}
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(auth_settings, clock):
    app = create_app(auth_settings)
    app.state.auth.clock = clock

    @app.get("/api/v1/essai-admin")  # an API route reserved to ADMIN, to see the JSON 403
    async def essai_admin(me: Admin) -> dict:
        return {"ok": me.user}

    return app


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


def _token(client: TestClient, url: str = "/connexion") -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def login(client: TestClient, email: str, password: str = PASSWORD, suite: str = ""):
    data = {csrf.FIELD: _token(client), "email": email, "mot_de_passe": password, "suite": suite}
    return client.post("/connexion", data=data, follow_redirects=False)


def logout(client: TestClient):
    return client.post("/deconnexion", data={csrf.FIELD: _token(client)}, follow_redirects=False)


def test_login_opens_a_session_shown_in_the_header(client):
    response = login(client, "Agent.53@Exemple.gouv.fr ")  # e-mail in any case, spaces ignored
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(sessions.COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # http here
    page = client.get("/")
    assert page.status_code == 200
    assert "agent.53@exemple.gouv.fr" in page.text and "région 53" in page.text
    assert "Se déconnecter" in page.text
    assert 'href="/televersement"' not in page.text  # USERS do not upload: no link


def test_wrong_password_and_unknown_email_say_the_same(client):
    wrong = login(client, "agent.53@exemple.gouv.fr", "mauvais mot de passe")
    unknown = login(client, "personne@exemple.gouv.fr", PASSWORD)
    assert wrong.status_code == unknown.status_code == 400
    assert REFUSED in wrong.text and REFUSED in unknown.text
    assert sessions.COOKIE not in client.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_disabled_account_cannot_log_in(client, engine):
    with engine.begin() as conn:
        comptes.update(conn, "agent.53@exemple.gouv.fr", actif=False)
    assert REFUSED in login(client, "agent.53@exemple.gouv.fr").text


def test_login_is_slowed_per_email_and_address_never_locking_the_owner_out(client, app, clock):
    for _ in range(5):
        assert login(client, "agent.53@exemple.gouv.fr", "mauvais mot de passe").status_code == 400
    blocked = login(client, "agent.53@exemple.gouv.fr")  # even the right password, from that address
    assert blocked.status_code == 429 and TOO_MANY in blocked.text and "30 secondes" in blocked.text
    owner = TestClient(app, client=("192.168.1.10", 50000))  # the owner, from elsewhere (app already started)
    assert login(owner, "agent.53@exemple.gouv.fr").status_code == 303
    clock.now += 31
    # per address: different e-mails from one client (13 = the 5 failures above + the 8 below)
    app.state.auth.limiter.limit_address = 13
    assert login(client, "agent.53@exemple.gouv.fr").status_code == 303
    for i in range(8):
        assert login(client, f"inconnu{i}@exemple.gouv.fr", "x").status_code == 400
    assert login(client, "agent.53@exemple.gouv.fr").status_code == 303  # logged in from here before
    assert login(client, "agent.52@exemple.gouv.fr").status_code == 303  # a newcomer is paced…
    paced = login(client, "comptable.53@exemple.gouv.fr")  # …one attempt every few seconds
    assert paced.status_code == 429 and "5 secondes" in paced.text
    clock.now += 5
    assert login(client, "comptable.53@exemple.gouv.fr").status_code == 303


def test_session_refused_at_once_when_the_account_is_disabled_or_changed(client, engine):
    assert login(client, "agent.53@exemple.gouv.fr").status_code == 303
    assert client.get("/api/v1/lignes").status_code == 200
    with engine.begin() as conn:
        comptes.update(conn, "agent.53@exemple.gouv.fr", actif=False)
    refused = client.get("/api/v1/lignes")
    assert refused.status_code == 401 and refused.json()["erreur"]["code"] == "non-authentifie"
    with engine.begin() as conn:
        comptes.update(conn, "agent.53@exemple.gouv.fr", actif=True)
    assert client.get("/api/v1/lignes").status_code == 401  # the version moved on: log in again
    assert login(client, "agent.53@exemple.gouv.fr").status_code == 303
    assert client.get("/api/v1/lignes").status_code == 200
    with engine.begin() as conn:
        comptes.update(conn, "agent.53@exemple.gouv.fr", region="52")
    assert client.get("/api/v1/lignes").status_code == 401


def test_inactivity_timeout_slides(client, clock):
    assert login(client, "agent.53@exemple.gouv.fr").status_code == 303
    clock.now += 7 * HOUR
    assert client.get("/api/v1/lignes").status_code == 200  # activity: the deadline moves on
    clock.now += 7 * HOUR
    assert client.get("/api/v1/lignes").status_code == 200
    clock.now += 8 * HOUR + 60
    assert client.get("/api/v1/lignes").status_code == 401
    page = client.get("/exports", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/connexion?suite=%2Fexports"


def test_logout(client):
    assert login(client, "agent.53@exemple.gouv.fr").status_code == 303
    response = logout(client)
    assert response.status_code == 303 and response.headers["location"].startswith("/connexion")
    assert client.get("/", follow_redirects=False).status_code == 303
    assert "Vous êtes déconnecté" in client.get("/connexion?deconnecte=1").text


def test_login_and_logout_need_the_csrf_token(client):
    _token(client)
    data = {"email": "agent.53@exemple.gouv.fr", "mot_de_passe": PASSWORD, csrf.FIELD: "x" * 43}
    refused = client.post("/connexion", data=data, follow_redirects=False)
    assert refused.status_code == 403 and "jeton de sécurité" in refused.text
    assert sessions.COOKIE not in client.cookies
    assert login(client, "agent.53@exemple.gouv.fr").status_code == 303
    refused = client.post("/deconnexion", data={csrf.FIELD: "y" * 43}, follow_redirects=False)
    assert refused.status_code == 403 and "jeton de sécurité" in refused.text
    assert client.get("/api/v1/lignes").status_code == 200  # still logged in


def test_anonymous_visitors(client):
    page = client.get("/lignes/1?vue=x", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/connexion?suite=%2Flignes%2F1%3Fvue%3Dx"
    assert client.get("/", follow_redirects=False).headers["location"] == "/connexion"
    fragment = client.get(
        "/exports", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/?annee=2023"}
    )
    assert (
        fragment.status_code == 401
        and fragment.headers["HX-Redirect"] == "/connexion?suite=%2F%3Fannee%3D2023"
    )
    api = client.get("/api/v1/lignes")
    assert api.status_code == 401 and api.json()["erreur"]["code"] == "non-authentifie"
    assert "connectez-vous" in api.json()["erreur"]["message"]
    assert client.post("/api/v1/exports/lignes.csv").status_code == 401
    for public in ("/connexion", "/aide", "/static/app/app.css", "/openapi.json"):
        assert client.get(public).status_code == 200, public
    assert client.get("/pas-une-page").status_code == 404
    assert "Se connecter" in client.get("/aide").text


@pytest.mark.parametrize(
    ("suite", "expected"),
    [
        ("/exports?x=1", "/exports?x=1"),
        ("https://ailleurs.example/", "/"),
        ("//ailleurs.example/", "/"),
        ("/\\ailleurs.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_suite_only_leads_to_this_site(client, suite, expected):
    assert login(client, "agent.53@exemple.gouv.fr", suite=suite).headers["location"] == expected


def _upload_status(client: TestClient) -> int:
    form = client.get("/televersement")
    token = _token(client, "/recherches")  # a page every role reaches: USERS do not get the form
    posted = client.post("/televersement", data={csrf.FIELD: token, "region": "53"}, follow_redirects=False)
    assert form.status_code == (403 if posted.status_code == 403 else 200)
    return posted.status_code


def _referentiel_status(client: TestClient) -> int:
    token = _token(client, "/referentiels")
    return client.post(
        "/referentiels", data={csrf.FIELD: token, "type": "x"}, follow_redirects=False
    ).status_code


def test_roles(app):
    statuses = {}
    for email in ACCOUNTS:
        with TestClient(app) as client:
            assert login(client, email).status_code == 303
            statuses[email] = (
                _upload_status(client),
                _referentiel_status(client),
                client.get("/api/v1/essai-admin").status_code,
            )
    assert statuses["agent.53@exemple.gouv.fr"] == (403, 403, 403)
    upload, referentiel, api = statuses["comptable.53@exemple.gouv.fr"]
    assert upload not in (401, 403) and (referentiel, api) == (403, 403)  # 400: the form is empty
    upload, referentiel, api = statuses["admin@exemple.gouv.fr"]
    assert upload not in (401, 403) and referentiel not in (401, 403) and api == 200


def test_forbidden_answers(client):
    login(client, "agent.53@exemple.gouv.fr")
    page = client.post("/televersement", data={csrf.FIELD: _token(client, "/recherches")})
    assert page.status_code == 403 and "Accès refusé" in page.text
    assert "réservé aux comptes « comptable »" in page.text
    form = client.get("/televersement")  # typing the address: the French 403 page, not the form
    assert form.status_code == 403 and "Accès refusé" in form.text and 'id="televersement"' not in form.text
    assert "réservé aux comptes « comptable »" in form.text
    api = client.get("/api/v1/essai-admin")
    assert api.status_code == 403 and api.json()["erreur"]["code"] == "interdit"


def test_region_scope_through_a_login(app):
    seen = {}
    for email in ("agent.52@exemple.gouv.fr", "agent.53@exemple.gouv.fr", "admin@exemple.gouv.fr"):
        with TestClient(app) as client:
            login(client, email)
            lines = client.get("/api/v1/lignes", params={"colonnes": "n_ej"}).json()["lignes"]
            seen[email] = {line["n_ej"] for line in lines}
    assert seen["agent.52@exemple.gouv.fr"] == {"200"}
    assert (
        "200" not in seen["agent.53@exemple.gouv.fr"] and {"100", "101"} <= seen["agent.53@exemple.gouv.fr"]
    )
    assert {"100", "101", "200"} <= seen["admin@exemple.gouv.fr"]


def test_server_mode_refuses_a_default_secret_and_the_development_identity(monkeypatch):
    server = "postgresql+psycopg://postgres@127.0.0.1:5432/x"
    with pytest.raises(sessions.ConfigurationError, match="DATAETAT_SECRET_KEY"):
        sessions.Authentication.from_settings(Settings(database_url=server))
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    with pytest.raises(sessions.ConfigurationError, match="AUTH_DEVELOPPEMENT"):
        sessions.Authentication.from_settings(
            Settings(database_url=server, secret_key="k" * 48, auth_developpement=True)
        )
    embedded = sessions.Authentication.from_settings(Settings(secret_key=SECRET_PLACEHOLDER))
    assert embedded.secret != SECRET_PLACEHOLDER  # a random key, never the known one


def test_forged_or_foreign_cookies_are_refused(auth_settings):
    auth = sessions.Authentication.from_settings(auth_settings)
    other = sessions.Authentication.from_settings(auth_settings.model_copy(update={"secret_key": "z" * 48}))
    assert auth.decode(auth.encode(1, 1)) is not None
    assert auth.decode(other.encode(1, 1)) is None
    assert auth.decode("1.1.1") is None and auth.decode("") is None


def test_passwords():
    hashed = passwords.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, PASSWORD) and not passwords.verify(hashed, PASSWORD + "x")
    assert not passwords.verify(None, PASSWORD)  # unknown account: the dummy hash, refused
    with pytest.raises(ValueError, match="12 caractères"):
        passwords.hash_password("court")


def test_cli_accounts(settings, engine):
    env = {"DATAETAT_DATABASE_URL": settings.database_url}
    runner = CliRunner()
    added = runner.invoke(
        cli,
        [
            "user",
            "add",
            "--email",
            "Nouvel.Agent@exemple.gouv.fr",
            "--role",
            "comptable",
            "--region",
            "053",
            "--nom",
            "Nouvel agent",
            "--mot-de-passe-stdin",
        ],
        input=PASSWORD + "\n",
        env=env,
    )
    assert added.exit_code == 0, added.output
    assert "Compte créé : nouvel.agent@exemple.gouv.fr (COMPTABLE, région 53)" in added.output
    twice = runner.invoke(
        cli,
        [
            "user",
            "add",
            "--email",
            "nouvel.agent@exemple.gouv.fr",
            "--role",
            "USERS",
            "--region",
            "NAT",
            "--mot-de-passe-stdin",
        ],
        input=PASSWORD + "\n",
        env=env,
    )
    assert twice.exit_code == 1 and "existe déjà" in twice.output
    short = runner.invoke(
        cli,
        [
            "user",
            "add",
            "--email",
            "b@exemple.gouv.fr",
            "--role",
            "USERS",
            "--region",
            "NAT",
            "--mot-de-passe-stdin",
        ],
        input="court\n",
        env=env,
    )
    assert short.exit_code == 1 and "12 caractères" in short.output
    assert runner.invoke(cli, ["user", "disable", "nouvel.agent@exemple.gouv.fr"], env=env).exit_code == 0
    listed = runner.invoke(cli, ["user", "list"], env=env)
    assert "nouvel.agent@exemple.gouv.fr" in listed.output and "désactivé" in listed.output
    assert runner.invoke(cli, ["user", "enable", "nouvel.agent@exemple.gouv.fr"], env=env).exit_code == 0
    unknown = runner.invoke(cli, ["user", "disable", "personne@exemple.gouv.fr"], env=env)
    assert unknown.exit_code == 1 and "Aucun compte" in unknown.output
    with engine.connect() as conn:
        account = comptes.by_email(conn, "nouvel.agent@exemple.gouv.fr")
    assert (account.role, account.region, account.actif, account.nom) == (
        "COMPTABLE",
        "53",
        True,
        "Nouvel agent",
    )
    assert account.version == 3  # disabled, enabled: every open session was refused


def test_regional_comptable_imports_only_its_region(app, engine, tmp_path):
    ae = write_ae(tmp_path / "engagements-comptable.csv", [ae_row("900", 1, "100")])
    with TestClient(app) as client:
        login(client, "comptable.53@exemple.gouv.fr")
        data = {csrf.FIELD: _token(client, "/televersement"), "region": "52", "annee": "2023"}
        files = {"fichier_ae": (ae.name, ae.read_bytes(), "text/csv")}
        response = client.post("/televersement", data=data, files=files, follow_redirects=False)
        assert response.status_code == 303, response.text
        job_id = int(response.headers["location"].rsplit("/", 1)[1])
    with engine.connect() as conn:
        job = taches.get(conn, job_id, "comptable.53@exemple.gouv.fr")
    assert job.region == "53" and job.parametres["region"] == "53"  # the form's 52 is ignored
