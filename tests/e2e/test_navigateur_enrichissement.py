"""In Chromium: the beneficiary page and « Référentiels » after an enrichment from the local fake
Recherche d'entreprises (regional sample), with axe; screenshots to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.conftest import TEST_DATA, TEST_SECRET
from tests.e2e.browser import CONTEXT_FR, check_accessibility, running_app, screenshot
from tests.fakes.entreprises import Etablissement, FauxEntreprises

from dataetat.connectors.client import reinitialiser
from dataetat.jobs import enrichissement
from dataetat.settings import Settings
from dataetat.store import database
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.engine import make_engine

ATLAS = "85129663200017"


@pytest.fixture(scope="module")
def enriched_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e-enrichissement")
    settings = Settings(
        database_url=f"duckdb:///{folder / 'enrichi.duckdb'}", auth_developpement=True, secret_key=TEST_SECRET
    )
    engine = make_engine(settings)
    database.init(engine)
    chorus = TEST_DATA / "chorus" / "regional"
    import_chorus(
        engine,
        [chorus / "chorus_ae.csv", chorus / "financial_cp.csv"],
        ImportOptions(annee=2023, region="53"),
    )
    faux = FauxEntreprises(
        {ATLAS: Etablissement(nom="ATLAS SOUTENIR LES COMPETENCES", commune="35238", naf="85.59A",
                              adresse="2 RUE DE PARIS 35000 RENNES", enseigne="ATLAS")}
    )  # fmt: skip
    reinitialiser()
    with faux.recherche() as serveur:
        with engine.begin() as conn:
            job = enrichissement.submit(conn, "agent", None, nouveaux=True)
        from dataetat.jobs.execution import run_pending

        run_pending(
            engine,
            folder / "exports",
            settings=settings.model_copy(update={"recherche_entreprises_url": serveur.url}),
        )
    engine.dispose()
    assert job
    with running_app(settings) as url:
        yield url


@pytest.fixture
def enriched_page(browser, enriched_server, browser_problems):
    context = browser.new_context(base_url=enriched_server, **CONTEXT_FR)
    page = context.new_page()
    page.on("pageerror", lambda error: browser_problems.append(str(error)))
    yield page
    context.close()
    assert not browser_problems, browser_problems


def test_beneficiary_page_and_referentiels_after_enrichment(enriched_page: Page):
    page = enriched_page
    page.goto(f"/beneficiaires/{ATLAS}")
    expect(page.locator("#naf")).to_have_text("85.59A")
    expect(page.locator("#identite")).to_contain_text("Rennes")
    expect(page.locator("#source-beneficiaire")).to_contain_text("Recherche d'entreprises, mise à jour le")
    screenshot(page, "enrichissement-beneficiaire")
    check_accessibility(page)
    page.goto("/referentiels")
    expect(page.locator("#taux-geolocalisation")).to_contain_text("%")
    expect(page.locator("#taches-enrichissement")).to_contain_text(
        "Enrichissement des nouveaux bénéficiaires"
    )
    screenshot(page, "enrichissement-referentiels")
    check_accessibility(page)
