"""« Commande publique » in a real browser, over the demo (its small DECP file made from its lines):
the search page with its totals (the API's), a grouping, then a marché's page with its history and
its candidate Chorus links; accessibility (axe-core) and screenshots."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, screenshot

from dataetat.web.pages.templating import euros


def test_commande_publique(page: Page):
    total = page.request.get("/api/v1/marches?page_size=1").json()["total"]
    assert total["marches"] > 100
    response = page.goto("/marches")
    assert response is not None and response.status == 200
    expect(page.locator("#totaux-marches")).to_contain_text(euros(total["montant"]))
    page.fill("#m-objet", "renovation energetique")
    page.click("#recherche-marches button[type=submit]")
    expect(page).to_have_url(re.compile(r"objet=renovation\+energetique"))
    expect(page.locator("#lignes-marches tbody tr").first).to_be_visible()
    # At 1,440 px the table's scrolling container shows every column: nothing hidden to the right.
    page.set_viewport_size({"width": 1440, "height": 900})
    container = page.locator("#lignes-marches").locator(
        "xpath=ancestor::div[contains(@class,'fr-table__container')]"
    )
    widths = container.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1] + 1, f"tableau des marchés plus large que l'écran : {widths}"
    check_accessibility(page)
    screenshot(page, "commande-publique-recherche")
    page.select_option("#m-grouping", "cpv_division_code")
    page.click("#recherche-marches button[type=submit]")
    expect(page.locator("#groupes-marches tbody tr").first).to_be_visible()
    page.goto("/marches?procedure=Appel+d%27offres+ouvert")
    page.locator("#lignes-marches tbody tr a[href^='/marches/']").first.click()
    expect(page.locator("#champs-marche")).to_be_visible()
    expect(page.locator("#modifications li").first).to_contain_text("Notification")
    check_accessibility(page)
    screenshot(page, "commande-publique-marche")
    # The acheteur's page: its tables (long CPV divisions, names) keep their amounts in view.
    page.locator("#champs-marche a[href^='/acheteurs/']").first.click()
    expect(page.locator("#par-division tbody tr").first).to_be_visible()
    hidden = page.evaluate(
        """() => Array.from(document.querySelectorAll('.fr-table__container'))
            .filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.querySelector('table').id)"""
    )
    assert not hidden, f"tableaux plus larges que l'écran : {hidden}"
    screenshot(page, "commande-publique-acheteur")


def test_candidate_links_on_the_beneficiary_page(page: Page):
    groups = page.request.get("/api/v1/marches?grouping=titulaire_id&page_size=50").json()["groupes"]
    for group in groups:
        liens = page.request.get(f"/api/v1/marches/liens?siret={group['code']}").json()
        if liens:
            break
    assert liens, "la démo fabrique des marchés proches de ses engagements"
    page.goto(f"/beneficiaires/{group['code']}")
    expect(page.locator("#commande-publique")).to_contain_text("marché(s) remporté(s)")
    expect(page.locator("#liens-candidats tbody tr").first).to_be_visible()
    check_accessibility(page, exclude=[".maplibregl-canvas"])
    screenshot(page, "commande-publique-beneficiaire")
