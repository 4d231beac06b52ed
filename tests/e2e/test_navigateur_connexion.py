"""Login and logout in a real browser: the app served with accounts (auth_developpement off) over the
e2e demo database, an account created in it; the DSFR login form, the e-mail in the header, logout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, running_app, screenshot

from dataetat.auth.passwords import hash_password
from dataetat.store import comptes
from dataetat.store.engine import make_engine

EMAIL = "agent.e2e@exemple.gouv.fr"
PASSWORD = "mot de passe de test e2e"


@pytest.fixture(scope="module")
def auth_server(demo_settings) -> Iterator[str]:
    settings = demo_settings.model_copy(update={"auth_developpement": False})
    engine = make_engine(settings)
    with engine.begin() as conn:
        if comptes.by_email(conn, EMAIL) is None:
            comptes.create(conn, EMAIL, "USERS", "53", hash_password(PASSWORD), "Agent e2e")
    engine.dispose()
    with running_app(settings) as url:
        yield url


@pytest.fixture
def auth_page(browser, auth_server) -> Iterator[Page]:
    context = browser.new_context(
        base_url=auth_server, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def test_login_header_and_logout(auth_page):
    page = auth_page
    page.goto("/exports")
    expect(page).to_have_url("/connexion?suite=%2Fexports")
    expect(page.get_by_role("heading", name="Connexion à Data-État")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "connexion")

    page.get_by_label("Adresse électronique").fill(EMAIL)
    page.get_by_label("Mot de passe", exact=False).first.fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect.")
    check_accessibility(page)

    page.get_by_label("Mot de passe", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url("/exports")
    header = page.locator("header")
    expect(header).to_contain_text(EMAIL)
    expect(header).to_contain_text("région 53 (lecture)")
    expect(header.get_by_role("link", name="Charger les données")).to_have_count(0)  # USERS do not upload
    check_accessibility(page)
    screenshot(page, "connecte")

    header.get_by_role("button", name="Se déconnecter").first.click()
    expect(page).to_have_url("/connexion?deconnecte=1")
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté")
    page.goto("/")
    expect(page).to_have_url("/connexion")
