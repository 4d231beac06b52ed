"""Issue 11 items 6 and 11 in a real browser: the zone chosen in a search is outlined (layer
`zone-contour`) and zoomed to on every map — the search map, a territory page's map, the /qpv map —
and the contours come from versioned, gzip-compressed, immutable URLs, the communes of the drawn
départements only."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect
from tests.e2e.browser import screenshot

DRAWN = 30_000

# The zone's outline, its source's features and how the map's view frames the zone's bounding box.
FRAMING_JS = """(e) => {
  const map = e.maplibre, layer = map.getLayer("zone-contour"), view = map.getBounds();
  const [[x0, y0], [x1, y1]] = e.zone.bounds;
  const inside = view.getWest() <= x0 + 1e-6 && view.getEast() >= x1 - 1e-6 && view.getSouth() <= y0 + 1e-6 && view.getNorth() >= y1 - 1e-6;
  const share = Math.max((x1 - x0) / (view.getEast() - view.getWest()), (y1 - y0) / (view.getNorth() - view.getSouth()));
  return { layer: Boolean(layer), visible: layer && map.getLayoutProperty("zone-contour", "visibility") !== "none",
           top: map.getStyle().layers.at(-1).id, contours: e.zone.contours, inside, share };
}"""


def first_zone(page: Page, query: str) -> str:
    body = page.request.get(f"/api/v1/carte?{query}").json()
    codes = [z["code"] for z in body["zones"] if not z["code"].startswith("97")]
    assert codes, body
    return codes[0]


def check_framed(element, what: str) -> None:
    framing = element.evaluate(FRAMING_JS)
    assert framing["layer"] and framing["visible"], (what, framing)
    assert framing["top"] == "zone-contour", (what, framing)  # drawn above the coloured zones
    assert framing["contours"] >= 1, (what, framing)
    assert framing["inside"], (what, framing)  # the whole zone is in view…
    assert framing["share"] >= 0.5, (what, framing)  # …and fills the map (zoomed to it)


def test_search_map_outlines_and_zooms_to_the_chosen_departement(page: Page):
    geo: list = []
    page.on("response", lambda r: geo.append(r) if "/static/geo/" in r.url else None)
    departement = first_zone(page, "niveau=departement")
    page.goto(f"/?vue=carte&niveau_geo=departement&code_geo={departement}")
    carte = page.locator(".vue-js[data-vue=carte]")
    expect(carte).to_have_attribute("data-etat", "dessinee", timeout=DRAWN)
    assert carte.get_attribute("data-niveau") == "commune"
    check_framed(carte, f"département {departement}")
    screenshot(page, "carte_zone_departement")
    # Contours: index.json, then versioned files only, gzip, immutable; the communes by département.
    paths = [urlsplit(r.url).path for r in geo]
    assert "/static/geo/communes.json" not in paths
    assert f"/static/geo/communes/{departement}.json" in paths
    for response in geo:
        if urlsplit(response.url).path == "/static/geo/index.json":
            continue
        assert "?v=" in response.url, response.url
        headers = response.all_headers()
        assert headers.get("content-encoding") == "gzip", response.url
        assert "immutable" in headers.get("cache-control", ""), response.url
        assert int(headers["content-length"]) < 1_000_000, response.url


def test_the_form_offers_the_criteria_and_the_table_says_lieu_retenu(page: Page):
    departement = first_zone(page, "niveau=departement")
    page.goto(f"/?niveau_geo=departement&code_geo={departement}&vue=lignes")
    boxes = page.locator("#f-criteres-geo input[name=critere_geo]")
    expect(boxes).to_have_count(3)
    for i in range(3):
        expect(boxes.nth(i)).to_be_checked()
    expect(page.locator(".tableau-lignes thead")).to_contain_text("Lieu retenu")
    for critere in ("localisation", "centre_couts"):  # the DSFR box is drawn by its label
        page.locator(f"label[for=f-critere-{critere}]").click()
        expect(page.locator(f"#f-critere-{critere}")).not_to_be_checked()
    page.locator("#bouton-rechercher").click()
    expect(page).to_have_url(re.compile(r"critere_geo=beneficiaire(&|$)"), timeout=DRAWN)
    cells = page.locator(".tableau-lignes tbody tr td").filter(has_text="commune du bénéficiaire")
    expect(cells.first).to_be_visible()
    expect(page.locator(".tableau-lignes tbody")).not_to_contain_text("localisation interministérielle")
    screenshot(page, "recherche_lieu_retenu")


def test_territory_page_of_a_commune_outlines_that_commune(page: Page):
    departement = first_zone(page, "niveau=departement")
    commune = first_zone(
        page, f"niveau=commune&niveau_geo=departement&code_geo={departement}&critere_geo=beneficiaire"
    )
    page.goto(f"/territoires/commune/{commune}")
    carte = page.locator(".vue-js[data-vue=carte]")
    expect(carte).to_have_attribute("data-etat", "dessinee", timeout=DRAWN)
    check_framed(carte, f"commune {commune}")
    carte.scroll_into_view_if_needed()
    screenshot(page, "territoire_commune_zone")


def test_qpv_map_outlines_and_zooms_to_the_chosen_departement(page: Page):
    body = page.request.get("/api/v1/carte?niveau=departement").json()
    with_qpv = [
        z["code"]
        for z in body["zones"]
        if not z["code"].startswith("97")
        and page.request.get(f"/api/v1/qpv/carte?niveau_geo=departement&code_geo={z['code']}").json()[
            "features"
        ]
    ]
    assert with_qpv, "aucun département de la démo n'a de quartier financé"
    page.goto(f"/qpv?niveau_geo=departement&code_geo={with_qpv[0]}")
    carte = page.locator("#carte-qpv")
    expect(carte).to_have_attribute("data-etat", "dessinee", timeout=DRAWN)
    check_framed(carte, f"/qpv département {with_qpv[0]}")
    carte.scroll_into_view_if_needed()
    screenshot(page, "qpv_zone_departement")
