"""The referentials page in a real browser: counts shown, a refused file said in French, accessible."""

from pathlib import Path

from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, screenshot


def test_referentials_page(page: Page, tmp_path: Path):
    page.goto("/televersement")
    page.get_by_role("link", name="Référentiels").last.click()
    expect(page.locator("h1")).to_have_text("Référentiels")
    # Each type's name fits the closed select at 1,440 px (not cut); the full help is in the accordion.
    cut = page.locator("#referentiel-type").evaluate(
        """s => { const cs = getComputedStyle(s), room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
                  const probe = document.createElement('span');
                  probe.style.cssText = `position:absolute;visibility:hidden;white-space:nowrap;font:${cs.font}`;
                  document.body.append(probe);
                  const out = [...s.options].filter(o => { probe.textContent = o.text; return probe.getBoundingClientRect().width > room; }).map(o => o.text);
                  probe.remove();
                  return out; }"""
    )
    assert not cut, f"types coupés dans la liste : {cut}"
    page.get_by_role("button", name="Fichier attendu pour chaque type").click()
    expect(page.locator("#referentiel-formats")).to_contain_text("arrondissements municipaux compris")
    check_accessibility(page)
    bad = tmp_path / "communes.csv"
    bad.write_text("pas;un;referentiel\n", encoding="utf-8")
    page.select_option("#referentiel-type", "communes")
    page.set_input_files("#referentiel-fichier", str(bad))
    page.get_by_role("button", name="Charger").click()
    expect(page.locator("#erreur-referentiel")).to_contain_text("communes.csv")
    erreur = page.locator("#erreur-referentiel").inner_text()
    assert erreur.count("communes.csv") == 1, f"nom du fichier répété : {erreur}"
    assert "«\u00a0communes.csv\u00a0»" in erreur, f"espaces sécables dans les guillemets : {erreur!r}"
    check_accessibility(page)
    screenshot(page, "referentiels")
