"""The « Subventions (Data Subvention) » panel in a real browser: the demo database served with a
fake Data Subvention on loopback that knows three subsidies of one of the demo's associations
(catégorie juridique 92xx), one on the EJ of its lines. The panel arrives after the page (htmx),
shows the subsidies by exercice with their totals, passes axe, and its EJ leads to the line whose
detail shows the subsidy."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from tests.e2e.browser import SCREENSHOTS, check_accessibility, running_app, screenshot
from tests.fakes.data_subvention import FakeDataSubvention, application, serveur_data_subvention

from dataetat.connectors import client
from dataetat.settings import Settings
from dataetat.store.engine import make_engine
from dataetat.store.schema import ligne


@pytest.fixture(scope="module")
def association(demo_settings) -> tuple[str, str]:
    """(SIRET, n_ej) of a demo association with an engagement."""
    engine = make_engine(demo_settings)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(ligne.c.beneficiaire_code, sa.func.min(ligne.c.n_ej))
                .where(ligne.c.beneficiaire_categorie_juridique.like("92%"), ligne.c.n_ej.is_not(None))
                .group_by(ligne.c.beneficiaire_code)
                .order_by(ligne.c.beneficiaire_code)
                .limit(1)
            ).one()
    finally:
        engine.dispose()
    return row[0], row[1]


@pytest.fixture(scope="module")
def fake(association) -> Iterator[FakeDataSubvention]:
    siret, n_ej = association
    client.reinitialiser()
    with serveur_data_subvention() as fake:
        fake.applications[siret] = [
            application(ej=n_ej, exerciceBudgetaire=2024, idEtablissementBeneficiaire=siret),
            application(ej="N/A", exerciceBudgetaire=2024, statutLabel="En instruction", montantDemande=8000,
                        montantAccorde="N/A", dispositif="Politique de la ville", sousDispositif="Contrat de ville",
                        nomServiceInstructeur="DDETS Ille-et-Vilaine"),
            application(ej="1300000999", exerciceBudgetaire=2023, statutLabel="Refusé", montantDemande=12000,
                        montantAccorde=0, dispositif="FONJEP", sousDispositif="Poste jeunesse"),
        ]  # fmt: skip
        yield fake
    client.reinitialiser()


@pytest.fixture(scope="module")
def live_server(demo_settings, fake) -> Iterator[str]:
    """The demo app, with Data Subvention pointed at the fake (overrides conftest's live_server)."""
    changes = {"data_subvention_url": fake.url, "data_subvention_jeton": fake.jeton, "connecteurs_delai_s": 2}
    with running_app(Settings(**(demo_settings.model_dump() | changes))) as url:
        yield url


def test_subsidies_panel_on_the_beneficiary_page(page: Page, association, fake):
    siret, n_ej = association
    page.set_viewport_size({"width": 1440, "height": 900})
    response = page.goto(f"/beneficiaires/{siret}")
    assert response is not None and response.status == 200
    panel = page.locator("#subventions")
    expect(panel).to_have_attribute("data-etat", "ok", timeout=15_000)
    expect(panel.get_by_role("heading", name="Subventions (Data Subvention)")).to_be_visible()
    expect(panel.locator("[data-subventions=nombre]")).to_have_text("3")
    expect(panel.locator("[data-total-subventions=demande]")).to_have_text(re.compile(r"40\s000,00\s€"))
    expect(panel.locator("[data-total-subventions=accorde]")).to_have_text(re.compile(r"15\s000,00\s€"))
    expect(panel.locator("tbody[data-exercice='2024'] .subventions__total")).to_contain_text("28")
    expect(panel.get_by_text("Politique de la ville")).to_be_visible()
    check_accessibility(page)
    panel.scroll_into_view_if_needed()
    screenshot(page, "fiche-beneficiaire-subventions")
    panel.screenshot(path=str(SCREENSHOTS / "panneau-subventions.png"))
    assert fake.appels(siret) == 1

    # The EJ known to Chorus leads to its line, whose detail shows the subsidy.
    panel.locator(f"tr[data-ej='{n_ej}'] a").click()
    expect(page).to_have_url(re.compile(r"/lignes/\d+$"))
    card = page.locator("#subvention-ligne")
    expect(card).to_have_attribute("data-etat", "ok", timeout=15_000)
    expect(card.locator(f"dl[data-ej='{n_ej}']")).to_contain_text("FDVA - Fonctionnement et innovation")
    expect(card).to_contain_text(re.compile(r"15\s000,00\s€"))
    check_accessibility(page)
    screenshot(page, "ligne-subvention")
    assert fake.appels(siret) == 1  # the line reads the beneficiary's cached answer


def test_subsidy_in_the_line_dialog_of_the_search(page: Page, association, fake):
    """The « Aperçu » dialog of the search table loads the subsidy of the line (htmx inside the
    dialog), without changing the search's URL."""
    siret, n_ej = association
    page.goto(f"/?vue=lignes&beneficiaires={siret}&colonnes=n_ej,montant_ae")
    search_url = page.url
    row = page.locator("tr[data-ligne]", has_text=n_ej).first
    row.locator("button[aria-controls=modal-ligne]").click()
    card = page.locator("#modal-ligne #subvention-ligne")
    expect(card).to_have_attribute("data-etat", "ok", timeout=15_000)
    expect(card.locator(f"dl[data-ej='{n_ej}']")).to_contain_text("DRAJES Bretagne")
    assert page.url == search_url
    check_accessibility(page)
