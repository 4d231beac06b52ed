"""The "Graphiques" view in a real browser: five ECharts charts of the current search, their data
tables equal to the API's totals, PNG and CSV downloads, accessibility; ECharts loaded only there."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, screenshot

CHARTS = ("annees", "programmes", "beneficiaires", "types", "themes")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EUROS_FR = re.compile(r"^-?\d{1,3}([\u202f\u00a0 ]\d{3})*,\d{2}\u00a0€$")


def open_charts(page: Page, url: str) -> str:
    """Open `url`, wait until the five charts are drawn; return the API query of the search."""
    page.goto(url)
    expect(page.locator("[data-graphique] canvas")).to_have_count(len(CHARTS), timeout=15_000)
    return page.locator('.vue-js[data-vue="graphiques"]').get_attribute("data-api") or ""


def api_total(page: Page, api: str) -> dict:
    response = page.request.get(f"/api/v1/lignes?{api}&page_size=1")
    assert response.ok, response.text()
    return response.json()["total"]


def shown_data(page: Page, key: str) -> tuple[list[str], list[float], float]:
    """Open the "Voir les données" accordion of a chart; return its row labels, AE values and AE total."""
    section = page.locator(f"#graphique-{key}")
    button = section.get_by_role("button", name="Voir les données")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    table = section.locator("table")
    expect(table).to_be_visible()
    labels = table.locator("tbody th").all_inner_texts()
    values = [
        float(v)
        for v in table.locator("tbody td:nth-child(3)").evaluate_all("cs => cs.map(c => c.dataset.valeur)")
    ]
    for text in table.locator("tbody td:nth-child(3)").all_inner_texts():
        assert EUROS_FR.match(text.strip()), f"montant mal présenté : {text!r}"
    total = float(table.locator("tfoot td:nth-child(3)").get_attribute("data-valeur") or "nan")
    return labels, values, total


def test_five_charts_totals_downloads_accessible(page: Page):
    api = open_charts(page, "/?vue=graphiques")
    titles = page.locator(".graphique h3").all_inner_texts()
    assert len(titles) == len(CHARTS)
    assert "Montants engagés (AE) et payés (CP) par année" in titles
    for key in CHARTS:  # described for screen readers, in French, with amounts in € fr-FR
        label = page.locator(f'[data-graphique="{key}"]').get_attribute("aria-label") or ""
        assert "montant engagé (AE)" in label and "€" in label, key

    total = api_total(page, api)
    years, values, shown_total = shown_data(page, "annees")
    assert years == sorted(years) and all(re.fullmatch(r"\d{4}", y) for y in years)
    assert sum(values) == pytest.approx(total["montant_ae"], abs=0.01)
    assert shown_total == pytest.approx(total["montant_ae"], abs=0.01)

    with page.expect_download() as download:
        page.locator('[data-png="annees"]').click()
    assert download.value.suggested_filename.endswith(".png")
    image = download.value.path().read_bytes()
    assert image.startswith(PNG_MAGIC) and len(image) > 5_000

    with page.expect_download() as download:
        page.locator('[data-csv="programmes"]').click()
    raw = download.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "le CSV commence par le BOM UTF-8 (Excel)"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    every = page.request.get(f"/api/v1/lignes?{api}&grouping=programme_code&page_size=100000").json()
    assert len(rows) - 1 == len(every["groupes"]) and len(rows[0]) > 1

    check_accessibility(page)
    screenshot(page, "graphiques")


def test_charts_follow_the_filters_and_the_window(page: Page):
    api = open_charts(page, "/?vue=graphiques&annee_min=2023&annee_max=2023")
    assert "annee=2023" in api
    years, values, shown_total = shown_data(page, "annees")
    assert years == ["2023"]
    assert values[0] == pytest.approx(api_total(page, api)["montant_ae"], abs=0.01)
    # Top 10: ten rows at most, then "the others", and the whole search in the footer.
    labels, values, shown_total = shown_data(page, "beneficiaires")
    assert 1 <= len(labels) <= 11 and not any(label.startswith("None") for label in labels)
    assert sum(values) == pytest.approx(shown_total, abs=0.01)

    canvas = page.locator('[data-graphique="annees"] canvas').first
    wide = canvas.bounding_box()["width"]
    page.set_viewport_size({"width": 800, "height": 900})
    page.wait_for_function(
        "w => document.querySelector('[data-graphique=annees] canvas').getBoundingClientRect().width < w",
        arg=wide - 50,
    )


def test_drill_down_path_kept(page: Page):
    """Under an opened group (grouper_par + grouped), the charts show that group only."""
    groups = page.request.get("/api/v1/lignes?grouping=programme_code&page_size=1").json()["groupes"]
    code = groups[0]["code"]
    api = open_charts(page, f"/?vue=graphiques&grouper_par=programme_code&grouped={code}")
    _, _, shown_total = shown_data(page, "annees")
    assert shown_total == pytest.approx(groups[0]["montant_ae"], abs=0.01)
    assert api_total(page, api)["montant_ae"] == pytest.approx(groups[0]["montant_ae"], abs=0.01)


def test_echarts_loaded_only_by_the_charts_view(page: Page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/?vue=lignes")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#totaux")).to_be_visible()
    assert not [u for u in requested if "echarts" in u or "graphiques.js" in u], requested

    page.goto("/?vue=graphiques")
    expect(page.locator("[data-graphique] canvas")).to_have_count(len(CHARTS), timeout=15_000)
    assert sum("echarts.min.js" in u for u in requested) == 1
    # Away (htmx swap) and back: charts drawn again, the library not fetched again.
    views = page.get_by_role("navigation", name="Présentation des résultats")
    views.get_by_role("link", name="Tableau", exact=True).click()
    expect(page.locator("[data-graphique]")).to_have_count(0)
    views.get_by_role("link", name="Graphiques", exact=True).click()
    expect(page.locator("[data-graphique] canvas")).to_have_count(len(CHARTS), timeout=15_000)
    assert sum("echarts.min.js" in u for u in requested) == 1


def test_empty_search_and_api_error_said_in_french(page: Page):
    """The page shows no charts for an empty result; the module itself says so too, and says why
    when the API refuses the search (instead of blank charts)."""
    page.goto("/?vue=graphiques&annee_min=1990&annee_max=1990")
    expect(page.get_by_text("Aucune ligne ne correspond à cette recherche")).to_be_visible()
    expect(page.locator("[data-graphique]")).to_have_count(0)
    for api, expected in [
        ("annee=1990", "Aucune ligne à représenter"),
        ("niveau_geo=planete&code_geo=1", "niveau_geo « planete » inconnu"),
    ]:
        page.evaluate(
            """async (api) => {
                const box = document.createElement("div");
                box.id = "essai"; box.dataset.api = api;
                document.getElementById("essai")?.remove();
                document.querySelector("main").append(box);
                await (await import("/static/app/graphiques.js")).init(box);
            }""",
            api,
        )
        expect(page.locator("#essai .fr-alert")).to_contain_text(expected)
        expect(page.locator("#essai canvas")).to_have_count(0)
