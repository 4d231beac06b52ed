"""The public page « Valider un fichier de commande publique » in a real browser: drop a file, read
the report as a table, filter it, download it as CSV and JSON; accessible (axe)."""

import json
from pathlib import Path

from playwright.sync_api import Page, expect
from tests.e2e.browser import VALIDATION_FR, check_accessibility, screenshot

DATA = Path(__file__).resolve().parents[1] / "data" / "decp"


def test_validation_page(page: Page, tmp_path: Path):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/valider")
    expect(page.locator("h1")).to_have_text("Valider un fichier de commande publique")
    # The browser is French (chromium-l10n, LANGUAGE): its file input reads « Choisir un fichier /
    # Aucun fichier choisi » (screenshot), its validation bubbles are French, Intl formats in French.
    assert page.evaluate("navigator.language") == "fr-FR"
    bubble = page.evaluate(
        "() => Object.assign(document.createElement('input'), {required: true}).validationMessage"
    )
    assert bubble == VALIDATION_FR, (
        f"Chromium en anglais ({bubble}) : chromium-l10n et LANGUAGE (tests/e2e/browser.py)"
    )
    assert page.evaluate("(1234.5).toLocaleString()") == "1\u202f234,5"
    check_accessibility(page)
    screenshot(page, "validation-decp-formulaire")
    page.set_input_files("#fichier", str(DATA / "regles-invalides.json"))
    page.get_by_role("button", name="Valider le fichier").click()
    expect(page.locator("#verdict")).to_contain_text("Fichier non valide")
    expect(page.locator("#verdict")).to_contain_text("8 enregistrement(s) valide(s) sur 22")
    rows = page.locator("#constats tbody tr")
    expect(rows).to_have_count(20)
    expect(page.locator("#constats")).to_contain_text("Montant inférieur au minimum (1)")
    # At 1,440 px the messages are in view: the table does not scroll sideways.
    widths = page.locator("#constats").evaluate(
        "t => [t.parentElement.closest('.fr-table__container').scrollWidth, t.parentElement.closest('.fr-table__container').clientWidth]"
    )
    assert widths[0] <= widths[1] + 1, f"constats plus larges que l'écran : {widths}"
    expect(page.locator("#rapport-outils")).to_be_visible()  # shown by the page's script: filters ready
    # No word is cut: each field name, code and record label fits its cell (wraps only at « . »,
    # hyphens or spaces), and a long path wraps at its dots.
    broken = page.locator("#constats").evaluate(
        r"""t => [...t.querySelectorAll('td.constats-validation__champ code, td.constats-validation__code code,'
                + ' td.constats-validation__enregistrement')].flatMap(el => {
             const words = el.textContent.split(/[.\-\s\u00a0\[]+/).filter(Boolean);
             const probe = document.createElement('span');
             probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;font:inherit';
             el.append(probe);
             const cell = el.closest('td').getBoundingClientRect().width;
             const out = words.filter(w => { probe.textContent = w; return probe.getBoundingClientRect().width > cell; });
             probe.remove();
             return out.length ? [el.textContent] : [];
           })"""
    )
    assert not broken, f"mots coupés : {broken}"
    screenshot(page, "validation-decp-complet")
    page.select_option("#filtre-niveau", "avertissement")
    expect(page.locator("#rapport-compte")).to_have_text(
        "6 constats sur 20.".replace("constats", "constat(s)")
    )
    page.select_option("#filtre-niveau", "")
    page.select_option("#filtre-champ", "montant")
    expect(page.locator("#constats tbody tr:visible")).to_have_count(2)
    check_accessibility(page)
    screenshot(page, "validation-decp")
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Télécharger en CSV").click()
    text = Path(csv_download.value.path()).read_text("utf-8-sig")
    assert text.splitlines()[0] == "niveau;type;index;id;chemin;champ;code;message;valeur"
    assert len(text.splitlines()) == 21 and "montant-minimum" in text
    with page.expect_download() as json_download:
        page.get_by_role("button", name="Télécharger en JSON").click()
    report = json.loads(Path(json_download.value.path()).read_text("utf-8"))
    assert report["stats"]["enregistrements"] == 22 and report["valide"] is False
    assert json_download.value.suggested_filename == "validation-regles-invalides.json"


def test_validation_page_valid_xml(page: Page):
    page.goto("/valider")
    page.set_input_files("#fichier", str(DATA / "Marche.xml"))
    page.get_by_role("button", name="Valider le fichier").click()
    expect(page.locator("#verdict")).to_contain_text("Fichier valide")
    expect(page.locator("#verdict")).to_contain_text("decp-2.0.2-xsd")
    check_accessibility(page)
