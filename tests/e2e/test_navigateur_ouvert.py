"""The anonymous pages in a real browser, on the app served WITH accounts (nobody logged in): the
« Catalogue » (freshness badges, links, DCAT alternates) and the open territory page (key figures
equal to the open API's, charts and map drawn from the open API); axe-core on both;
screenshots at 1,440 px."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from tests.e2e.browser import SCREENSHOTS, check_accessibility, screenshot


def _euros(text: str) -> float:
    return float(re.sub(r"[^\d,-]", "", text).replace(",", "."))


def test_catalogue_page_anonymous(accounts_page: Page):
    page = accounts_page
    page.set_viewport_size({"width": 1440, "height": 900})
    response = page.goto("/catalogue")
    assert response is not None and response.status == 200 and page.url.endswith("/catalogue")
    expect(page.locator("h1")).to_have_text("Catalogue")
    rows = page.locator("tr[data-jeu]")
    expect(rows.first).to_be_visible()
    jeux = rows.evaluate_all("rows => rows.map(r => r.dataset.jeu)")
    assert "chorus-region-53" in jeux and "chorus-region-52" in jeux
    expect(page.locator('[data-jeu="chorus-region-53"] [data-fraicheur="a-jour"]')).to_have_text("à jour")
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "catalogue")
    turtle = page.request.get("/catalogue.ttl")
    assert turtle.ok and "hydra:PartialCollectionView" in turtle.text()


def test_open_territory_page_anonymous(accounts_page: Page):
    page = accounts_page
    page.set_viewport_size({"width": 1440, "height": 900})
    response = page.goto("/ouvert/territoires/region/53")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).not_to_be_empty()
    api = page.request.get("/api/v1/ouvert/territoires/region/53").json()
    shown = _euros(page.locator("[data-total=montant_ae]").first.inner_text())
    assert shown == round(api["fiche"]["total"]["montant_ae"], 2) and shown > 0
    expect(page.locator("[data-fiche-graphique][data-dessine]")).to_have_count(2, timeout=15_000)
    expect(page.locator("#par-programme")).to_be_visible()
    # Grey zones on the open map may hold lines under statistical secrecy: the legend says so.
    expect(page.locator(".carte__legende")).to_contain_text("secret statistique", timeout=15_000)
    carte = page.locator(".vue-js[data-vue=carte]")
    expect(carte).to_have_attribute("data-etat", "dessinee", timeout=30_000)
    expect(carte).to_have_attribute("data-niveau", "departement")
    assert page.locator("#carte-niveau option").count() == 4  # no QPV layer: it needs an account
    check_accessibility(page, exclude=[".maplibregl-canvas"])
    screenshot(page, "ouvert-territoire")
    carte.locator("xpath=..").screenshot(path=SCREENSHOTS / "ouvert-territoire-carte.png")
    page.goto("/ouvert")
    expect(page.get_by_role("link", name=re.compile(r"\(35\)"))).to_be_visible()
    check_accessibility(page)
    assert page.request.get("/api/v1/lignes").status == 401  # the lines stay closed
