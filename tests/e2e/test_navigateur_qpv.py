"""The Data QPV page in a real browser, over its own small database (Perpignan's 2015 QPV contours
imported through the store, Chorus lines of beneficiaries in them, an EJ split across two QPVs by
lieu d'action): tabs, key figures equal to the API's, charts drawn, the map painted with its QPVs,
the table of lines linking to the search, accessibility (axe-core) and a screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from tests.conftest import TEST_DATA
from tests.e2e.browser import check_accessibility, running_app, screenshot
from tests.e2e.test_navigateur_securite import violations  # noqa: F401 - fixture: CSP violations of the page
from tests.factories import ae_row, write_ae

from dataetat.settings import Settings
from dataetat.store import database, readmodel
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.engine import make_engine
from dataetat.store.schema import beneficiaire, qpv_lieu_action, siret_qpv
from dataetat.store.sources_import import import_source

A, B, D = "85129663200017", "83831012600027", "33217263400047"
DRAWN = 30_000


def build(engine, folder) -> None:
    ae = write_ae(
        folder / "ae76.csv",
        [
            ae_row("500", 1, "12000", programme="147", siret=A),
            ae_row("501", 1, "3000", programme="147", siret=D, date="10.01.2022"),
            ae_row("502", 1, "8000", programme="103", siret=A),
            ae_row("503", 1, "5000", programme="147", siret=B),
            ae_row("504", 1, "400", programme="103", siret=B),
        ],
    )
    assert import_chorus(engine, [ae], ImportOptions(region="76")).written
    result = import_source(engine, "qpv", TEST_DATA / "sources" / "qp2015-occitanie.geojson", decoupage=2015)
    assert result.written, result
    with engine.begin() as conn:
        conn.execute(
            beneficiaire.insert(),
            [
                {"siret": A, "denomination": "ASSOCIATION DU VERNET", "categorie_juridique": "9220"},
                {"siret": B, "denomination": "SOCIÉTÉ B", "categorie_juridique": "5710"},
                {"siret": D, "denomination": "COMMUNE D", "categorie_juridique": "7210"},
            ],
        )
        conn.execute(
            siret_qpv.insert(),
            [{"siret": A, "code_qpv15": "QP066007"}, {"siret": D, "code_qpv15": "QP066003"}],
        )
        readmodel.rebuild_all(conn)
        conn.execute(
            qpv_lieu_action.insert(),
            [
                {"annee": 2023, "n_ej": "503", "code_qpv": q, "code_qpv15": q, "montant": m, "import_id": 1}
                for q, m in (("QP066002", 2000), ("QP066008", 1500))
            ],
        )
        readmodel.refresh_ejs(conn, ["503"])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[str]:
    """This module's own app and database (overrides the demo server of conftest.py)."""
    folder = tmp_path_factory.mktemp("e2e-qpv")
    settings = Settings(
        database_url=f"duckdb:///{folder / 'qpv.duckdb'}",
        dossier_exports=folder / "exports",
        auth_developpement=True,
        secret_key="secret-de-test-e2e-" + "x" * 40,
    )
    engine = make_engine(settings)
    database.init(engine)
    build(engine, folder)
    engine.dispose()
    with running_app(settings) as url:
        yield url


def test_qpv_page_tabs_charts_map_and_lines(page: Page, violations: list[str]):  # noqa: F811
    page.goto("/qpv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Financements dans les quartiers prioritaires")
    expect(page.get_by_role("link", name="Quartiers prioritaires")).to_have_attribute("aria-current", "page")

    # Key figures of each tab are the API's.
    for perimetre, onglet in (
        ("p147", "Crédits P147"),
        ("droit-commun", "Crédits droit commun"),
        ("total", "Total des crédits"),
    ):
        api = page.request.get(f"/api/v1/qpv/tableau-de-bord?perimetre={perimetre}").json()
        page.get_by_role("tab", name=onglet).click()
        panel = page.locator(f"#onglet-{perimetre}-panneau")
        expect(panel).to_be_visible()
        expect(panel).to_have_attribute("data-graphiques", "dessines", timeout=DRAWN)
        assert panel.locator("canvas").count() == 4
        actions = panel.locator("[data-chiffre=total_actions]").inner_text()
        assert int(actions.replace("\u202f", "")) == api["total_actions"]
        total = panel.locator("[data-chiffre=total_financements]").inner_text()
        assert (
            float(total.replace("\u202f", "").replace("€", "").replace(",", ".")) == api["total_financements"]
        )
    # 12,000 + 3,000 + the split EJ's parts 2,000 + 1,500 (not its 5,000); droit commun 8,000.
    assert api["total_financements"] == 26_500 and api["total_actions"] == 4

    # The map: the QPVs of the search, circles and contours, fitted.
    carte = page.locator("#carte-qpv")
    expect(carte).to_have_attribute("data-etat", "dessinee", timeout=DRAWN)
    expect(carte.locator("canvas.maplibregl-canvas")).to_be_visible()
    expect(carte.locator(".qpv-carte__etat")).to_contain_text("4 quartiers financés")
    zoom = carte.evaluate("e => e.maplibre.getZoom()")
    assert zoom > 10, zoom  # fitted to Perpignan, not France
    rendered = carte.evaluate(
        "e => e.maplibre.queryRenderedFeatures({ layers: ['qpv-fond', 'qpv-cercles'] }).map((f) => f.properties.code)"
    )
    assert {"QP066007", "QP066003", "QP066002", "QP066008"} <= set(rendered)
    expect(page.locator("#tableau-qpv tbody tr")).to_have_count(4)
    carte.locator("canvas").scroll_into_view_if_needed()
    point = carte.evaluate(
        """(e) => {
            const map = e.maplibre, box = map.getCanvas().getBoundingClientRect();
            const f = map.queryRenderedFeatures({ layers: ['qpv-cercles'] })[0];
            const p = map.project(f.geometry.coordinates);
            return { x: box.left + p.x, y: box.top + p.y, label: f.properties.label };
        }"""
    )
    page.mouse.move(point["x"], point["y"], steps=3)
    expect(carte.locator(".qpv-carte__info")).to_be_visible()
    expect(carte.locator(".qpv-carte__info")).to_contain_text(point["label"])

    # The lines, and the link to the search on the same QPVs.
    expect(page.locator("#lignes-qpv tbody tr")).to_have_count(5)  # 500, 501, 502, and 503's two parts
    link = page.locator("#lien-recherche-qpv").get_attribute("href")
    query = parse_qs(urlsplit(link).query)
    assert query["niveau_geo"] == ["qpv"] and set(query["code_geo"][0].split(",")) == {
        "QP066007",
        "QP066003",
        "QP066002",
        "QP066008",
    }
    check_accessibility(page)
    print("\ncapture :", screenshot(page, "qpv"))
    assert not violations, violations


def test_qpv_filters_mirror_the_url(page: Page):
    page.goto("/qpv")
    page.select_option("#f-niveau", "qpv")
    page.fill("#f-zones", "vernet")
    option = page.get_by_role("option", name="QP066007 - Bas-Vernet Nouveau QPV")
    expect(option).to_be_visible()
    option.click()
    page.click("#bouton-rechercher")
    page.wait_for_url("**/qpv?**")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"niveau_geo": ["qpv"], "code_geo": ["QP066007"]}  # empty fields make no parameter
    total = page.locator("#onglet-total-panneau [data-chiffre=total_financements]")
    page.get_by_role("tab", name="Total des crédits").click()
    expect(total).to_contain_text("20\u202f000,00")  # A's 12,000 (P147) + 8,000 (droit commun)
    expect(page.locator("#carte-qpv")).to_have_attribute("data-etat", "dessinee", timeout=DRAWN)
    check_accessibility(page)
