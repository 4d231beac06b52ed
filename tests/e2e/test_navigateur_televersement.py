"""The upload page in a real browser: a bad file sent through the form, the job followed by htmx,
then its error report by line and column; accessible; screenshots of the form and the report."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from tests.conftest import TEST_DATA
from tests.e2e.browser import check_accessibility, screenshot

BAD = TEST_DATA / "chorus" / "ae_montants_dates_invalides.csv"


def test_bad_file_upload_shows_its_error_report(page):
    response = page.goto("/televersement")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text("Charger les données")
    expect(page.locator("#historique-titre")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "televersement")

    page.set_input_files("#fichier-ae", BAD)
    page.select_option("#televersement-region", "53")
    page.get_by_role("button", name="Charger et importer").click()

    expect(page).to_have_url(re.compile(r"/televersement/\d+$"))
    expect(page.get_by_role("heading", name="Import refusé : la base n'a pas été modifiée")).to_be_visible(
        timeout=30_000
    )
    errors = page.locator(
        "table", has=page.locator("caption", has_text="Erreurs de ae_montants_dates_invalides.csv")
    )
    row = errors.locator("tbody tr", has_text="Montant illisible").first
    expect(row.locator("td").nth(0)).to_have_text("12")
    expect(row.locator("td").nth(1)).to_have_text("Montant (EUR)")
    expect(page.locator("#annonce-import")).to_have_text("Import refusé.")
    check_accessibility(page)
    screenshot(page, "rapport-import")


def test_an_ademe_file_imported_from_the_page_shows_its_report_and_its_lines(page):
    page.goto("/televersement")
    form = page.locator("#televersement-sources")
    page.select_option("#source-type", "ademe")
    page.set_input_files("#source-fichier", TEST_DATA / "sources" / "ademe.csv")
    form.get_by_role("button", name="Importer ce fichier").click()
    expect(page).to_have_url(re.compile(r"/televersement/\d+$"))
    expect(page.locator("#annonce-import")).to_have_text(re.compile(r"^Import terminé"), timeout=30_000)
    expect(page.get_by_text("ademe.csv").first).to_be_visible()
    check_accessibility(page)
    screenshot(page, "rapport-import-ademe")
    # Its lines are searchable like a Chorus line; the file (2021) replaced the demo's ADEME 2021 aids.
    page.goto("/?source=ADEME&annee_min=2021&annee_max=2021&vue=lignes")
    expect(page.locator("[data-total=count]")).to_have_text("3")
    expect(page.locator(".tableau-lignes tbody tr", has_text="LACTEUS")).to_have_count(1)
