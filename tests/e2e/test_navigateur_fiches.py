"""The beneficiary and territory pages in a real browser: key figures equal to the API's totals,
charts drawn (ECharts), the map zoomed on the territory, links between the pages, accessibility
(axe-core) and the print layout (no header, footer, navigation or buttons)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, screenshot

MAP_CANVAS = ".maplibregl-canvas"


def _first_group(page: Page, colonne: str) -> str:
    body = page.request.get(f"/api/v1/lignes?grouping={colonne}&page_size=5").json()
    return next(g["code"] for g in body["groupes"] if g["code"])


def _total(page: Page, query: str) -> dict:
    return page.request.get(f"/api/v1/lignes?page_size=1&{query}").json()["total"]


def _shown_euros(page: Page, name: str) -> float:
    text = page.locator(f"[data-total={name}]").first.inner_text()
    return float(re.sub(r"[^\d,-]", "", text).replace(",", "."))


def _printed(page: Page) -> None:
    """In print media, the page chrome and the buttons are hidden, the figures are not."""
    page.emulate_media(media="print")
    for selector in (
        "header.fr-header",
        "footer.fr-footer",
        "#navigation-principale",
        "[data-imprimer]",
        ".fr-breadcrumb",
    ):
        expect(page.locator(selector).first).to_be_hidden()
    expect(page.locator(".fiche-chiffres")).to_be_visible()
    expect(page.locator(".fiche-impression")).to_be_visible()
    width = page.evaluate("document.querySelector('.fiche').getBoundingClientRect().width")
    assert width <= page.viewport_size["width"]  # the figures fit the page
    page.pdf(path="/dev/null", format="A4")  # the print layout renders
    page.emulate_media(media="screen")
    expect(page.locator("header.fr-header")).to_be_visible()


def test_territory_page(page: Page):
    code = _first_group(page, "beneficiaire_departement_code")
    response = page.goto(f"/territoires/departement/{code}")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).not_to_be_empty()
    expected = _total(page, f"niveau_geo=departement&code_geo={code}")
    assert _shown_euros(page, "montant_ae") == round(expected["montant_ae"], 2)
    expect(page.locator("[data-fiche-graphique][data-dessine]")).to_have_count(2, timeout=15_000)
    expect(page.locator(".vue-js[data-vue=carte]")).to_have_attribute("data-etat", "dessinee", timeout=30_000)
    expect(page.locator(".vue-js[data-vue=carte]")).to_have_attribute("data-niveau", "commune")
    check_accessibility(page, exclude=[MAP_CANVAS])
    screenshot(page, "fiche-territoire")
    _printed(page)
    # The year filter (checkboxes, GET form) keeps the API's semantics.
    year = page.locator(".fiche-annees input[type=checkbox]").first
    value = year.get_attribute("value")
    page.locator(f"label[for=fiche-annee-{value}]").click()  # DSFR: the label covers the box
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(rf"annee={value}"))
    filtered = _total(page, f"niveau_geo=departement&code_geo={code}&annee={value}")
    assert _shown_euros(page, "montant_ae") == round(filtered["montant_ae"], 2)
    # A top beneficiary leads to its page.
    link = page.locator("table[data-ventilation=beneficiaires] a").first
    if link.count():
        link.click()
        expect(page).to_have_url(re.compile(r"/beneficiaires/\d{14}"))


def test_beneficiary_page(page: Page):
    siret = next(
        g["code"]
        for g in page.request.get("/api/v1/lignes?grouping=beneficiaire_code&page_size=20").json()["groupes"]
        if g["code"] and re.fullmatch(r"\d{14}", g["code"])
    )
    # From the search table: the beneficiary's cell is a link to its page.
    page.goto(f"/?vue=lignes&beneficiaires={siret}&colonnes=beneficiaire_code,montant_ae")
    page.locator(f".tableau-lignes a[href='/beneficiaires/{siret}']").first.click()
    expect(page).to_have_url(re.compile(rf"/beneficiaires/{siret}$"))
    expected = _total(page, f"beneficiaire_code={siret}")
    assert _shown_euros(page, "montant_ae") == round(expected["montant_ae"], 2)
    expect(page.locator("#identite")).to_contain_text(siret)
    expect(page.locator("[data-fiche-graphique][data-dessine]")).to_have_count(2, timeout=15_000)
    expect(page.get_by_role("link", name="Voir dans la recherche")).to_have_attribute(
        "href", re.compile(rf"beneficiaires={siret}")
    )
    check_accessibility(page)
    screenshot(page, "fiche-beneficiaire")
    _printed(page)
    # Its commune leads to the territory page.
    commune = page.locator("#identite a[href^='/territoires/commune/']")
    if commune.count():
        commune.first.click()
        expect(page).to_have_url(re.compile(r"/territoires/commune/"))
        expect(page.locator(".fiche--territoire")).to_be_visible()


def test_fiches_not_found(page: Page):
    for url in ("/beneficiaires/123", "/territoires/departement/ZZZ", "/territoires/pays/FR"):
        response = page.goto(url)
        assert response is not None and response.status == 404
        expect(page.locator("h1")).to_contain_text("introuvable")
    check_accessibility(page)


def test_territory_page_of_a_quartier_shows_its_map(page: Page):
    code = _first_group(page, "beneficiaire_qpv24_code")  # the demo's fictitious QPVs
    response = page.goto(f"/territoires/qpv24/{code}")
    assert response is not None and response.status == 200
    expected = _total(page, f"niveau_geo=qpv24&code_geo={code}")
    assert _shown_euros(page, "montant_ae") == round(expected["montant_ae"], 2)
    carte = page.locator(".vue-js[data-vue=carte]")
    expect(carte).to_have_attribute("data-etat", "dessinee", timeout=30_000)
    expect(carte).to_have_attribute("data-niveau", "qpv")
    expect(carte.locator(".carte__etat")).to_contain_text("QPV")
    check_accessibility(page, exclude=[MAP_CANVAS])
    screenshot(page, "fiche-territoire-qpv")
