"""Server mode login through OpenID Connect and API bearer tokens, end to end against a real OpenID
provider on loopback (npm oidc-provider, tests/oidc/provider.mjs), on DuckDB and PostgreSQL.

The browser is httpx: it follows the provider's redirects and fills its (development) login and
consent forms, then brings the code back to the app, whose own httpx client exchanges it."""

from __future__ import annotations

import base64
import json
import re
import time
from contextlib import ExitStack
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.factories import import_two_regions
from tests.oidc.fournisseur import oidc_provider  # noqa: F401 (fixture)

from dataetat.store import audit, comptes
from dataetat.web.app import create_app

APP = "http://testserver"


@pytest.fixture
def make_app(settings, engine, tmp_path, oidc_provider):  # noqa: F811
    """An app on the two-région dataset, logging in through the test provider; `changes` to settings."""
    import_two_regions(engine, tmp_path)
    with ExitStack() as stack:

        def make(**changes) -> TestClient:
            configured = settings.model_copy(
                update={
                    "auth_developpement": False,
                    "oidc_issuer": oidc_provider.issuer,
                    "oidc_client_id": oidc_provider.client_id,
                    "oidc_client_secret": oidc_provider.client_secret,
                    **changes,
                }
            )
            client = TestClient(create_app(configured), base_url=APP, follow_redirects=False)
            return stack.enter_context(client)

        yield make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def idp(oidc_provider):  # noqa: F811
    with httpx.Client(base_url=oidc_provider.issuer, follow_redirects=False, timeout=10) as client:
        yield client


def _submit(idp: httpx.Client, url: str, html: str, login: str) -> httpx.Response:
    """Fill the provider's development login form (any password) or approve its consent form."""
    action = re.search(r'<form[^>]*action="([^"]+)"', html).group(1)
    prompt = re.search(r'name="prompt" value="(\w+)"', html).group(1)
    fields = {"prompt": prompt, "login": login, "password": "mot-de-passe"} if prompt == "login" else {}
    return idp.post(urljoin(url, action), data=fields or {"prompt": prompt})


def provider_round(idp: httpx.Client, authorize: str, login: str) -> str:
    """Drive the provider from the authorization URL to the redirection back to the app."""
    url = authorize
    response = idp.get(url)
    for _ in range(20):
        if response.is_redirect:
            url = urljoin(url, response.headers["location"])
            if url.startswith(APP):
                return url
            response = idp.get(url)
        elif response.status_code == 200 and "<form" in response.text:
            response = _submit(idp, url, response.text, login)
        else:
            raise AssertionError(
                f"réponse inattendue du fournisseur : {response.status_code} {response.text[:300]}"
            )
    raise AssertionError("trop d'étapes chez le fournisseur")


def login(app: TestClient, idp: httpx.Client, account: str, suite: str = "/") -> httpx.Response:
    start = app.get("/connexion/oidc", params={"suite": suite})
    assert start.status_code == 303
    back = provider_round(idp, start.headers["location"], account)
    parts = urlsplit(back)
    return app.get(f"{parts.path}?{parts.query}")


def _events(engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        found = audit.search(conn, audit.Filtres(), limit=50)
    return sorted((e.action, e.qui, e.details.get("methode", "")) for e in found)


def _ej(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {line["n_ej"] or "orphelin" for line in response.json()["lignes"]}


def test_login_opens_a_session_scoped_to_the_region_of_the_claims(app, idp, engine):
    assert app.get("/api/v1/lignes").status_code == 401
    start = app.get("/connexion/oidc", params={"suite": "/exports"})
    authorize = urlsplit(start.headers["location"])
    assert "code_challenge_method=S256" in authorize.query and "nonce=" in authorize.query
    done = login(app, idp, "agent-53", suite="/exports")
    assert done.status_code == 303 and done.headers["location"] == "/exports"
    assert "dataetat_session" in app.cookies
    assert _ej(app.get("/api/v1/lignes", params={"colonnes": "n_ej"})) == {"100", "101", "orphelin"}
    with engine.connect() as conn:
        account = comptes.by_email(conn, "agent.53@bretagne.gouv.fr")
    assert (account.role, account.region) == ("USERS", "53")
    assert app.get("/exports").status_code == 200
    assert _events(engine) == [
        ("compte-cree", "oidc", ""),
        ("connexion", "agent.53@bretagne.gouv.fr", "oidc"),
    ]


def test_login_page_offers_the_provider(app, make_app):
    page = app.get("/connexion", params={"suite": "/exports"})
    assert 'href="/connexion/oidc?suite=/exports"' in page.text
    without = make_app(oidc_issuer="")
    assert "/connexion/oidc" not in without.get("/connexion").text
    refused = without.get("/connexion/oidc")
    assert refused.status_code == 404 and "pas configurée" in refused.text


def test_national_comptable_sees_every_region(app, idp):
    assert login(app, idp, "comptable-nat").status_code == 303
    assert _ej(app.get("/api/v1/lignes", params={"colonnes": "n_ej"})) == {"100", "101", "orphelin", "200"}


def test_account_without_role_is_refused_in_french(app, idp):
    refused = login(app, idp, "sans-role")
    assert refused.status_code == 403
    assert "aucun rôle pour Data-État" in refused.text
    assert "dataetat_session" not in app.cookies


def test_disabled_local_account_cannot_log_in(app, idp, engine):
    assert login(app, idp, "agent-53").status_code == 303
    with engine.begin() as conn:
        comptes.update(conn, "agent.53@bretagne.gouv.fr", actif=False)
    assert app.get("/api/v1/lignes").status_code == 401  # the open session is refused at once
    app.cookies.clear()
    refused = login(app, idp, "agent-53")
    assert refused.status_code == 403 and "désactivé" in refused.text
    assert ("connexion-refusee", "agent.53@bretagne.gouv.fr", "oidc") in _events(engine)


def test_state_mismatch_and_missing_cookie_are_french_errors(app, idp):
    start = app.get("/connexion/oidc")
    back = urlsplit(provider_round(idp, start.headers["location"], "agent-53"))
    forged = app.get(f"{back.path}?{back.query.replace('state=', 'state=x')}")
    assert forged.status_code == 400 and "sans rapport avec votre connexion" in forged.text
    assert "dataetat_session" not in app.cookies
    app.cookies.clear()
    lost = app.get(f"{back.path}?{back.query}")
    assert lost.status_code == 400 and "Connexion expirée" in lost.text


def test_code_cannot_be_replayed(app, idp):
    start = app.get("/connexion/oidc")
    back = urlsplit(provider_round(idp, start.headers["location"], "agent-53"))
    kept = dict(app.cookies)
    assert app.get(f"{back.path}?{back.query}").status_code == 303
    app.cookies.clear()
    app.cookies.update(kept)
    replay = app.get(f"{back.path}?{back.query}")
    assert replay.status_code == 400 and "refusé la connexion" in replay.text


# -- bearer tokens on the API ------------------------------------------------------------------------


def token(idp: httpx.Client, provider, resource: str = "urn:dataetat:api") -> str:
    response = idp.post(
        "/token",
        data={"grant_type": "client_credentials", "resource": resource, "scope": "api"},
        auth=(provider.client_id, provider.client_secret),
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def signed(idp: httpx.Client, claims: dict, key: str = "") -> str:
    response = idp.post("/test/signer", params={"cle": key} if key else None, json=claims)
    assert response.status_code == 200, response.text
    return response.text


def _refused(app: TestClient, value: str, code: str = "jeton-invalide") -> str:
    response = app.get("/api/v1/lignes", headers={"Authorization": f"Bearer {value}"})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["erreur"]["code"] == code
    return response.json()["erreur"]["message"]


def _claims(provider, **changes) -> dict:
    now = int(time.time())
    return {
        "iss": provider.issuer,
        "aud": provider.client_id,
        "iat": now,
        "exp": now + 300,
        "sub": "agent",
        "email": "agent.53@bretagne.gouv.fr",
        "region": "053",
        "resource_access": {provider.client_id: {"roles": ["users"]}},
        **changes,
    }


def test_bearer_token_is_accepted_with_the_region_of_its_claims(app, idp, oidc_provider):  # noqa: F811
    headers = {"Authorization": f"Bearer {token(idp, oidc_provider)}"}
    response = app.get("/api/v1/lignes", params={"colonnes": "n_ej"}, headers=headers)
    assert _ej(response) == {"100", "101", "orphelin"}
    assert "dataetat_session" not in response.cookies
    national = signed(idp, _claims(oidc_provider, region="NAT"))
    headers = {"Authorization": f"Bearer {national}"}
    assert "200" in _ej(app.get("/api/v1/lignes", params={"colonnes": "n_ej"}, headers=headers))


def test_tampered_expired_foreign_tokens_are_401_json(app, idp, oidc_provider):  # noqa: F811
    good = token(idp, oidc_provider)
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["region"] = "NAT"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert "Signature" in _refused(app, f"{header}.{forged}.{signature}")
    assert "audience" in _refused(app, token(idp, oidc_provider, "urn:autre:api"))
    assert "émetteur" in _refused(app, signed(idp, _claims(oidc_provider, iss="http://127.0.0.1:1")))
    past = int(time.time()) - 600
    assert _refused(app, signed(idp, _claims(oidc_provider, iat=past - 300, exp=past)), "jeton-expire")
    assert "clé inconnue" in _refused(app, signed(idp, _claims(oidc_provider), key="inconnue"))
    assert _refused(app, "pas-un-jeton") == "Jeton illisible."
    message = _refused(app, signed(idp, _claims(oidc_provider, resource_access={})), "droits-absents")
    assert "aucun rôle" in message


def test_bearer_of_a_disabled_account_is_refused(app, idp, oidc_provider, engine):  # noqa: F811
    with engine.begin() as conn:
        comptes.create(conn, "agent.53@bretagne.gouv.fr", "USERS", "53", "!oidc")
        comptes.update(conn, "agent.53@bretagne.gouv.fr", actif=False)
    assert "désactivé" in _refused(app, token(idp, oidc_provider), "compte-desactive")


def test_provider_without_rights_uses_the_local_account(make_app, idp, engine, oidc_provider):  # noqa: F811
    """ProConnect carries no roles nor région: with an empty roles path the account an administrator
    created decides them, and an agent without one is refused."""
    with engine.begin() as conn:
        comptes.create(conn, "agent.53@bretagne.gouv.fr", "COMPTABLE", "52", "!oidc")
    app = make_app(oidc_claim_roles="")
    assert login(app, idp, "agent-53").status_code == 303
    assert _ej(app.get("/api/v1/lignes", params={"colonnes": "n_ej"})) == {"200"}
    headers = {"Authorization": f"Bearer {token(idp, oidc_provider)}"}
    assert _ej(app.get("/api/v1/lignes", params={"colonnes": "n_ej"}, headers=headers)) == {"200"}
    app.cookies.clear()
    idp.cookies.clear()  # a new provider session: another agent
    refused = login(app, idp, "comptable-nat")
    assert (
        refused.status_code == 403
        and "Aucun compte Data-État pour comptable@finances.gouv.fr" in refused.text
    )
    national = signed(idp, _claims(oidc_provider, email="inconnu@finances.gouv.fr"))
    assert "Aucun compte" in _refused(app, national, "compte-inconnu")


def test_a_first_login_while_another_tab_creates_the_account(app, idp, engine, monkeypatch):
    """Two first logins of one agent at once (two tabs): both create the account. The second was a
    500 — DuckDB refused its commit (duplicate key), PostgreSQL its row of the unique e-mail after
    waiting for the first; now it logs in with the account the first created."""
    import threading

    from dataetat.auth import oidc_comptes

    answered = threading.Event()
    other = engine.connect()
    tx = other.begin()
    comptes.create(other, "agent.53@bretagne.gouv.fr", "USERS", "53", oidc_comptes.NO_PASSWORD)
    login_audited = audit.login

    def other_tab_commits_first(conn, *args, **kwargs):  # DuckDB: the login's insert did not wait
        if tx.is_active:
            tx.commit()
        return login_audited(conn, *args, **kwargs)

    def waits_for_the_row() -> bool:  # PostgreSQL: the login's insert waits for the other's row
        if engine.dialect.name != "postgresql":
            return False
        with engine.connect() as conn:
            query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            return conn.exec_driver_sql(query).scalar_one() > 0

    monkeypatch.setattr(audit, "login", other_tab_commits_first)
    start = app.get("/connexion/oidc", params={"suite": "/exports"})
    back = urlsplit(provider_round(idp, start.headers["location"], "agent-53"))
    answers: list[httpx.Response] = []

    def come_back() -> None:
        try:
            answers.append(app.get(f"{back.path}?{back.query}"))
        finally:
            answered.set()

    tab = threading.Thread(target=come_back)
    tab.start()
    for _ in range(6000):
        if answered.wait(0.005) or waits_for_the_row():
            break
    if tx.is_active:
        tx.commit()
    tab.join(30)
    other.close()
    assert answers[0].status_code == 303 and answers[0].headers["location"] == "/exports"
    assert app.get("/exports").status_code == 200  # logged in
    with engine.connect() as conn:
        assert comptes.by_email(conn, "agent.53@bretagne.gouv.fr").region == "53"
