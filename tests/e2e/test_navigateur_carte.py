"""The map view of the search ("Carte") in a real browser: map, legend, table of the same figures
(total = the API's), rows and zones that filter the search, redraw times printed (run with -s)."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, screenshot

CARTE = ".vue-js[data-vue=carte]"
DRAWN = 30_000  # ms: the first draw loads MapLibre and the contours


def wait_drawn(page: Page, previous=None) -> dict:
    """Wait until the (new) map element has painted; return its timings."""
    page.wait_for_function(
        """(previous) => {
            const e = document.querySelector('.vue-js[data-vue=carte]');
            return e && e.dataset.etat === 'dessinee' && e !== previous;
        }""",
        arg=previous,
        timeout=DRAWN,
    )
    return page.locator(CARTE).evaluate(
        "e => ({niveau: e.dataset.niveau, fetch: +e.dataset.fetchMs, redraw: +e.dataset.redrawMs})"
    )


def redraw_after(page: Page, action) -> dict:
    """Run `action` (which makes the map draw again in the same element) and wait for the new paint."""
    page.locator(CARTE).evaluate("e => { delete e.dataset.etat; }")
    start = time.perf_counter()
    action()
    expect(page.locator(CARTE)).to_have_attribute("data-etat", "dessinee", timeout=DRAWN)
    timings = wait_drawn(page)
    timings["wall"] = round((time.perf_counter() - start) * 1000)
    return timings


def open_table(page: Page) -> None:
    """Unfold « Voir les données de la carte » (the map's table). carte.js builds that DSFR accordion
    after its fetch: a click that lands before DSFR has taken the new button in hand does nothing
    (aria-expanded stays false), so the click is made again, as a user would."""
    button = page.get_by_role("button", name="Voir les données de la carte")
    for attempt in range(4):
        if button.get_attribute("aria-expanded") != "true":
            button.click()
        try:
            expect(page.locator(f"{CARTE} #carte-donnees table")).to_be_visible(timeout=5_000)
            return
        except AssertionError:
            if attempt == 3:
                raise


def table_total(page: Page) -> tuple[float, float, float]:
    cells = page.locator(f"{CARTE} tr[data-carte-total] td.montant")
    return tuple(float(cells.nth(i).get_attribute("data-montant")) for i in range(3))


def shown_total(page: Page) -> str:
    return page.locator("[data-total=count]").inner_text()


def zone_point(page: Page) -> dict:
    """A point of the canvas, in page coordinates, on a zone that has lines (queried from MapLibre)."""
    page.locator(f"{CARTE} canvas").scroll_into_view_if_needed()
    return page.locator(CARTE).evaluate(
        """(e) => {
            const map = e.maplibre, canvas = map.getCanvas(), box = canvas.getBoundingClientRect();
            const layers = [`zones-${e.dataset.niveau}-fond`];
            for (let y = 20; y < box.height - 40; y += 8) for (let x = 20; x < box.width - 60; x += 8) {
                const f = map.queryRenderedFeatures([x, y], { layers })[0];
                if (f && f.state && f.state.classe !== undefined
                    && document.elementFromPoint(box.left + x, box.top + y) === canvas)
                    return { x: box.left + x, y: box.top + y, code: f.properties.code };
            }
            return null;
        }"""
    )


def test_map_table_and_zone_click_filter_the_search(page: Page):
    start = time.perf_counter()
    page.goto("/?vue=carte")
    carte = page.locator(CARTE)
    expect(carte.locator("canvas.maplibregl-canvas")).to_be_visible(timeout=DRAWN)
    first = wait_drawn(page)
    print(
        f"\ncarte : premier affichage {first} (page ouverte → peinte : {(time.perf_counter() - start) * 1000:.0f} ms)"
    )
    assert first["niveau"] == "departement"
    expect(carte.locator(".carte__legende li").first).to_contain_text("€")

    # The accessible alternative: the same figures as a table whose total is the API's.
    api = page.request.get("/api/v1/carte?niveau=departement").json()
    open_table(page)
    expect(carte.locator("#carte-donnees table")).to_be_visible()
    count, ae, cp = table_total(page)
    assert count == api["total"]["count"]
    assert ae == api["total"]["montant_ae"] and cp == api["total"]["montant_cp"]
    rows = carte.locator("#carte-donnees tbody tr")
    assert rows.count() == len(api["zones"])
    link = rows.first.locator("a")
    query = parse_qs(urlsplit(link.get_attribute("href")).query)
    assert query["niveau_geo"] == ["departement"] and query["code_geo"] == [api["zones"][0]["code"]]
    assert query["vue"] == ["carte"]
    check_accessibility(page)

    # Redraws in the same page: AE → CP (no fetch), another level, a filter change through the form.
    print("carte : AE → CP", redraw_after(page, lambda: page.select_option("#carte-valeur", "montant_cp")))
    print("carte : niveau EPCI", redraw_after(page, lambda: page.select_option("#carte-niveau", "epci")))
    print(
        "carte : niveau département",
        redraw_after(page, lambda: page.select_option("#carte-niveau", "departement")),
    )
    before = carte.element_handle()
    last_year = max(page.request.get("/api/v1/annees").json())
    page.click(f"label[for=f-annee-{last_year}]")  # the exercices are checkboxes (DSFR: click the label)
    clicked = time.perf_counter()
    page.click("#bouton-rechercher")
    after_filter = wait_drawn(page, before)
    after_filter["wall"] = round((time.perf_counter() - clicked) * 1000)
    print("carte : après changement de filtre (htmx, contours déjà chargés)", after_filter)
    assert after_filter["niveau"] == "departement"  # the level chosen in the page is kept
    assert f"annees={last_year}" in page.url or f"annee_min={last_year}" in page.url

    # Clicking a zone of the map reloads the search filtered on it.
    totals_before = shown_total(page)
    point = zone_point(page)
    assert point, "aucune zone colorée trouvée sur la carte"
    clicked = time.perf_counter()
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url(re.compile(r"code_geo="), timeout=DRAWN)
    query = parse_qs(urlsplit(page.url).query)
    assert query["niveau_geo"] == ["departement"] and query["code_geo"] == [point["code"]]
    assert query["vue"] == ["carte"] and ("annees" in query or "annee_min" in query)  # the year is kept
    drilled = wait_drawn(page)
    drilled["wall"] = round((time.perf_counter() - clicked) * 1000)
    print("carte : après clic sur une zone (nouvelle page, communes)", drilled)
    assert drilled["niveau"] == "commune"
    assert shown_total(page) != totals_before
    api_zone = page.request.get(
        f"/api/v1/carte?niveau=commune&{page.locator(CARTE).get_attribute('data-api')}"
    ).json()
    open_table(page)
    assert table_total(page)[0] == api_zone["total"]["count"]
    check_accessibility(page)
    assert screenshot(page, "carte").stat().st_size > 0


def test_a_row_of_the_table_filters_the_search(page: Page):
    page.goto("/?vue=carte")
    wait_drawn(page)
    open_table(page)
    link = page.locator(f"{CARTE} #carte-donnees tbody a").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(r"code_geo="))
    assert urlsplit(page.url).query == urlsplit(href).query
    expect(page.locator("#recherche")).to_be_visible()
    wait_drawn(page)


def test_the_qpv_level_draws_the_quartiers_and_a_click_filters_on_one(page: Page):
    """The demo base holds fictitious QPVs (contours, SIRET→QPV, lieu d'action): the QPV level draws
    them, its table adds up to the search with the lines outside any QPV, a zone filters on its QPV."""
    page.goto("/?vue=carte")
    wait_drawn(page)
    timings = redraw_after(page, lambda: page.select_option("#carte-niveau", "qpv"))
    assert timings["niveau"] == "qpv"
    total = page.evaluate("fetch('/api/v1/lignes?page_size=1').then(r => r.json()).then(b => b.total)")
    assert abs(table_total(page)[1] - total["montant_ae"]) < 0.01
    expect(page.locator(f"{CARTE} .carte__etat")).to_contain_text("hors QPV")
    # The acronym stays upper case in the sentences (not « 25 qpv(s) », « par qpv »).
    expect(page.locator(f"{CARTE} .carte__etat")).to_contain_text(re.compile(r" QPV\(s\) ; "))
    expect(page.locator(CARTE)).to_contain_text("par QPV (classes de même effectif)")
    classe = page.locator(f"{CARTE} .carte__classe").first.evaluate("li => li.textContent")
    assert re.search(r"\(\d+\u00a0zones?\)$", classe), classe  # « (6 zones) » never split over two lines
    point = zone_point(page)
    assert point is not None and point["code"].startswith("Q")
    screenshot(page, "carte-qpv")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url(re.compile(r"code_geo="))
    query = parse_qs(urlsplit(page.url).query)
    assert query["niveau_geo"] == ["qpv24"] and query["code_geo"] == [point["code"]]
    wait_drawn(page)
    check_accessibility(page)
