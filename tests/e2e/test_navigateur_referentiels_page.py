"""The referentials page in a real browser: counts shown, a refused file said in French, accessible."""

from pathlib import Path

from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, screenshot


def test_referentials_page(page: Page, tmp_path: Path):
    page.goto("/televersement")
    page.get_by_role("link", name="Référentiels").last.click()
    expect(page.locator("h1")).to_have_text("Référentiels")
    check_accessibility(page)
    bad = tmp_path / "communes.csv"
    bad.write_text("pas;un;referentiel\n", encoding="utf-8")
    page.select_option("#referentiel-type", "communes")
    page.set_input_files("#referentiel-fichier", str(bad))
    page.get_by_role("button", name="Charger").click()
    expect(page.locator("#erreur-referentiel")).to_contain_text("communes.csv")
    check_accessibility(page)
    screenshot(page, "referentiels")
