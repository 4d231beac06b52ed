"""Login and logout in a real browser: the app served with accounts (auth_developpement off) over the
e2e demo database, an account created in it; the DSFR login form, the e-mail in the header, logout."""

from __future__ import annotations

from playwright.sync_api import expect
from tests.e2e.browser import check_accessibility, screenshot
from tests.e2e.comptes import AGENT as EMAIL
from tests.e2e.comptes import PASSWORD


def test_login_header_and_logout(accounts_page):
    page = accounts_page
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
