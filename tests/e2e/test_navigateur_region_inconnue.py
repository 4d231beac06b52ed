"""Lines of unknown région (issue 11 item 8) in a real browser, over this module's own database
(Chorus lines of 53 and 52, three ADEME aids whose beneficiaries are not geolocated): a regional
user (52) sees none of them, only their number, sum and why; a national user sees how many of the
results they are and « Voir ces lignes » shows exactly them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.browser import CONTEXT_FR, check_accessibility, running_app, screenshot
from tests.factories import import_two_regions

from dataetat.settings import Settings
from dataetat.store import database
from dataetat.store.engine import make_engine
from dataetat.store.sources_import import import_source

ADEME = Path(__file__).resolve().parents[1] / "data" / "sources" / "ademe.csv"  # 3 aids, 15,000 €
NNBSP = "\u202f"


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    folder = tmp_path_factory.mktemp("e2e-region-inconnue")
    settings = Settings(
        database_url=f"duckdb:///{folder / 'inconnue.duckdb'}",
        dossier_exports=folder / "exports",
        auth_developpement=True,
        secret_key="secret-de-test-e2e-" + "x" * 40,
    )
    engine = make_engine(settings)
    database.init(engine)
    import_two_regions(engine, folder)
    assert import_source(engine, "ademe", ADEME).written
    engine.dispose()
    return settings


@pytest.fixture(scope="module")
def live_server(settings) -> Iterator[str]:
    """This module's national app (overrides the demo server of conftest.py)."""
    with running_app(settings) as url:
        yield url


def test_national_user_sees_the_count_and_the_lines(page: Page):
    page.goto("/?vue=lignes")
    notice = page.locator("#region-inconnue")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(f"Dont 3 lignes (15{NNBSP}000,00{NNBSP}€) de région inconnue")
    expect(notice).to_contain_text("le bénéficiaire n'est pas géolocalisé")
    check_accessibility(page)
    screenshot(page, "region-inconnue-nationale")
    notice.get_by_role("link", name="Voir ces lignes").click()
    expect(page).to_have_url(re.compile(r"source_region=inconnue"))
    expect(page.locator("[data-total=count]").first).to_have_text("3")
    expect(page.locator("#resultats")).to_contain_text("LACTEUS")


def test_regional_user_sees_only_the_count(browser, settings):
    regional = settings.model_copy(update={"region_developpement": "52"})
    with running_app(regional) as url:
        context = browser.new_context(base_url=url, **CONTEXT_FR)
        page = context.new_page()
        page.goto("/?vue=lignes&colonnes=n_ej,beneficiaire_denomination,montant_ae")
        notice = page.locator("#region-inconnue")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(f"3 lignes d'aide (15{NNBSP}000,00{NNBSP}€) sont de région inconnue")
        expect(notice).to_contain_text("ni donc dans les vôtres")
        expect(page.locator("[data-total=count]").first).to_have_text("1")  # EJ 200 of 52 only
        expect(page.locator("#resultats")).not_to_contain_text("LACTEUS")
        assert notice.get_by_role("link").count() == 0
        screenshot(page, "region-inconnue-regionale")
        context.close()
