"""« Commande publique » in a real browser, over the demo (its small DECP file made from its lines):
the search page with its totals (the API's), a grouping, then a marché's page with its history and
its candidate Chorus links; the map by lieu d'exécution and the tableau dynamique; accessibility
(axe-core) and screenshots."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from tests.e2e.browser import SCREENSHOTS, check_accessibility, screenshot
from tests.e2e.test_navigateur_carte import CARTE, DRAWN, open_table, redraw_after, wait_drawn, zone_point

from dataetat.web.pages.templating import euros, nombre


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
    # The sentence of the filters names the zone (COG referential), not its code alone.
    page.goto("/marches?niveau_geo=departement&code_geo=35")
    filtres = page.get_by_text("Filtres : exécutés en département Ille-et-Vilaine (35).")
    expect(filtres).to_be_visible()
    filtres.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "commande-publique-filtre-zone.png"))  # the top: the sentence
    page.goto("/marches?procedure=Appel+d%27offres+ouvert")
    page.locator("#lignes-marches tbody tr a[href^='/marches/']").first.click()
    expect(page.locator("#champs-marche")).to_be_visible()
    expect(page.locator("#modifications li").first).to_contain_text("Notification")
    expect(page.locator("#modifications li").first).to_contain_text(
        re.compile(r"titulaires? [^0-9].* \(SIRET \d{14}\)")
    )
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
    expect(page.locator("#recents .marches-acteur__cpv").first).to_contain_text(
        re.compile(r"^\d{8}\s*[^\d\s]")
    )  # code + label
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


def test_carte_et_tableau_dynamique_des_marches(page: Page):
    """The map by lieu d'exécution (carte.js over /api/v1/marches/carte): its table's total is the
    search's, a click on a zone filters the search on it; then the tableau dynamique, whose total is
    the search's; the URL keeps the view through a new search."""
    page.set_viewport_size({"width": 1440, "height": 900})
    api = page.request.get("/api/v1/marches/carte?niveau=departement").json()
    assert api["zones"] and api["total"]["marches"] > 100
    page.goto("/marches?vue=carte")
    expect(page.locator("#vues-marches [aria-current=page]")).to_have_text("Carte")
    carte = page.locator(CARTE)
    expect(carte.locator("canvas.maplibregl-canvas")).to_be_visible(timeout=DRAWN)
    assert wait_drawn(page)["niveau"] == "departement"
    expect(carte.locator(".carte__legende li").first).to_contain_text("€")
    expect(carte.locator(".carte__etat")).to_contain_text(f"{nombre(api['total']['marches'])} marchés")
    open_table(page)
    total_row = carte.locator("#carte-donnees tr[data-carte-total] td.montant")
    shown = [float(total_row.nth(i).get_attribute("data-montant")) for i in range(3)]
    assert shown == [api["total"]["marches"], api["total"]["count"], api["total"]["montant"]]
    expect(page.locator("#totaux-marches")).to_contain_text(euros(api["total"]["montant"]))
    assert carte.locator("#carte-donnees tbody tr").count() == len(api["zones"])
    check_accessibility(page)
    screenshot(page, "commande-publique-carte")
    # The number of marchés as the mapped value: the legend in numbers, no euros.
    redraw_after(page, lambda: page.select_option("#carte-valeur", "marches"))
    expect(carte.locator(".carte__legende p").first).to_contain_text("Nombre de marchés")
    expect(carte.locator(".carte__legende li").first).not_to_contain_text("€")

    # A click on a zone: the search filtered on its lieu d'exécution, the map kept, one level down.
    # On a loaded machine a click may land while MapLibre still settles: the point is looked up again.
    for attempt in range(3):
        point = zone_point(page)
        assert point, "aucune zone colorée sur la carte des marchés"
        page.mouse.click(point["x"], point["y"])
        try:
            page.wait_for_url(re.compile(r"code_geo="), timeout=DRAWN / 3)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    query = parse_qs(urlsplit(page.url).query)
    assert query["niveau_geo"] == ["departement"] and query["code_geo"] == [point["code"]]
    assert query["vue"] == ["carte"]
    expect(page.locator("#m-code-geo")).to_have_value(point["code"])
    assert wait_drawn(page)["niveau"] == "commune"
    # The value mapped is kept across the reload (in the fragment: the search itself stays strict).
    expect(page.locator("#carte-valeur")).to_have_value("marches")
    expect(carte.locator(".carte__legende p").first).to_contain_text("Nombre de marchés")
    zone = next(z for z in api["zones"] if z["code"] == point["code"])
    expect(page.locator("#totaux-marches")).to_contain_text(euros(zone["montant"]))
    filtered = page.request.get(f"/api/v1/marches?niveau_geo=departement&code_geo={point['code']}").json()
    assert filtered["total"]["montant"] == zone["montant"]
    screenshot(page, "commande-publique-carte-zone")
    # A row of the map's table (the keyboard's way): the search filtered on that commune.
    assert wait_drawn(page)["niveau"] == "commune"
    open_table(page)
    link = carte.locator("#carte-donnees tbody tr a").first
    commune = parse_qs(urlsplit(link.get_attribute("href")).query)["code_geo"][0]
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"niveau_geo=commune&code_geo={commune}"), timeout=DRAWN)
    expect(page.locator("#m-niveau")).to_have_value("commune")
    filtered = page.request.get(f"/api/v1/marches?niveau_geo=commune&code_geo={commune}").json()
    expect(page.locator("#totaux-marches")).to_contain_text(euros(filtered["total"]["montant"]))
    assert wait_drawn(page)["niveau"] == "commune"

    # The tableau dynamique of the same search: totals are the search's.
    page.locator("#vues-marches a", has_text="Tableau dynamique").click()
    page.wait_for_url(re.compile(r"vue=tableau"))
    expect(page.locator("#pivot-marches")).to_be_visible()
    page.select_option("#pivot-pivot_lignes", "procedure")
    page.select_option("#pivot-pivot_colonnes", "cpv_division_code")
    page.select_option("#pivot-valeur", "marches")
    page.locator("#pivot-marches button[type=submit]").click()
    page.wait_for_url(re.compile(r"pivot_colonnes=cpv_division_code"))
    assert parse_qs(urlsplit(page.url).query)["code_geo"] == [commune]  # the filter is kept
    expect(page.locator("[data-total-pivot]")).to_have_text(nombre(filtered["total"]["marches"]))
    expect(page.locator(".pivot tbody tr").first).to_be_visible()
    hidden = page.evaluate(
        """() => Array.from(document.querySelectorAll('.fr-table__container'))
            .filter((el) => el.scrollWidth > el.clientWidth + 1).length"""
    )
    print(f"\ntableau dynamique : {hidden} tableau(x) défilant(s) horizontalement")
    check_accessibility(page)
    screenshot(page, "commande-publique-tableau-dynamique")
    # « Rechercher » keeps the view and its choices.
    page.click("#recherche-marches button[type=submit]")
    page.wait_for_load_state()
    query = parse_qs(urlsplit(page.url).query)
    assert query["vue"] == ["tableau"] and query["pivot_colonnes"] == ["cpv_division_code"]
    expect(page.locator("[data-total-pivot]")).to_have_text(nombre(filtered["total"]["marches"]))
