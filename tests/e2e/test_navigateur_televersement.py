"""The upload page in a real browser: a bad file sent through the form, the job followed by htmx,
then its error report by line and column; accessible; screenshots of the form and the report."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from tests.conftest import TEST_DATA
from tests.e2e.browser import check_accessibility, screenshot
from tests.factories import ae_row, write_ae

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


def _count(page) -> str:
    page.goto(
        "/?source=FINANCIAL_DATA_AE&source_region=53&annee_min=2021&annee_max=2021&vue=lignes"
    )  # the demo has 52 too
    return page.locator("[data-total=count]").inner_text()


def test_replacing_an_exercice_is_confirmed_then_undone(page, tmp_path):
    """The demo's 2021 engagements (région 53) replaced by a 2-line file: the form refuses « Lu dans
    le fichier » for a header without exercice before sending (the file stays chosen), the check
    shows what will be replaced, « Confirmer le remplacement » imports, « Annuler cet import »
    restores the demo's lines."""
    page.set_viewport_size({"width": 1440, "height": 900})
    before = _count(page)
    fichier = write_ae(
        tmp_path / "engagements-2021.csv",
        [ae_row("9990001", 1, "1000", date="10.01.2021"), ae_row("9990002", 1, "234", date="10.01.2021")],
        exercice="GFFF",  # as the sample export: no exercice in its header
    )
    page.goto("/televersement")
    page.set_input_files("#fichier-ae", fichier)
    page.select_option("#televersement-region", "53")
    page.get_by_role("button", name="Charger et importer").click()
    expect(page.locator("#televersement-annee-erreur")).to_contain_text("l'en-tête n'indique pas l'exercice")
    expect(page).to_have_url(re.compile(r"/televersement$"))
    assert page.eval_on_selector("#fichier-ae", "input => input.files.length") == 1  # still chosen
    screenshot(page, "televersement-exercice-manquant")

    page.select_option("#televersement-annee", "2021")
    page.get_by_role("button", name="Charger et importer").click()
    expect(page.locator("#annonce-import")).to_have_text(
        re.compile("confirmez le remplacement"), timeout=30_000
    )
    table = page.locator("table", has=page.locator("caption", has_text="seront supprimées et remplacées"))
    row = table.locator("tbody tr", has_text="Engagements (AE)")
    expect(row.locator("th")).to_have_text("2021")
    expect(row.locator("td").nth(3)).not_to_have_text("0")  # the demo's lines, now
    expect(row.locator("td").nth(6)).to_have_text("1\u202f234,00\u202f€")  # the file's Σ
    _amounts_visible(page, table)
    check_accessibility(page)
    screenshot(page, "televersement-confirmation")

    page.get_by_role("button", name="Confirmer le remplacement").click()
    expect(page.locator("#annonce-import")).to_have_text("Import terminé.", timeout=30_000)
    expect(page.get_by_role("heading", name=re.compile("Import réussi"))).to_be_visible()
    _amounts_visible(page, page.locator(".rapport-fichiers table"))
    check_accessibility(page)
    screenshot(page, "televersement-remplace")
    report = page.url
    assert _count(page) == "2"
    page.goto("/televersement")
    annuler = page.locator(".historique-imports").get_by_role(
        "button", name=re.compile(r"^Annuler l'import n° \d+$")
    )
    expect(annuler.first).to_be_visible()
    lines = annuler.first.evaluate(
        "b => Math.round(b.clientHeight / parseFloat(getComputedStyle(b).lineHeight))"
    )
    assert lines == 1, f"bouton « Annuler » sur {lines} lignes"
    check_accessibility(page)
    screenshot(page, "televersement-historique")

    page.goto(report)
    questions: list[str] = []
    page.once("dialog", lambda d: (questions.append(d.message), d.accept()))  # it asks first
    page.get_by_role("button", name="Annuler cet import").click()
    expect(page.locator("#import-annule")).to_be_visible()
    assert questions and questions[0].startswith("Annuler l'import n° ")
    expect(page.locator(".historique-imports tbody tr").first.locator("td").last).to_contain_text("Annulé")
    check_accessibility(page)
    screenshot(page, "televersement-annule")
    assert _count(page) == before


def _amounts_visible(page, table) -> None:
    """At 1,440 px the last column (Σ CP, or the difference) is inside the window, not scrolled away."""
    last = table.locator("thead th").last
    box = last.bounding_box()
    assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"], box


def test_a_decp_file_keeping_the_valid_marches_reports_the_rejected_ones(page):
    """« Autres sources », DECP, « Importer les marchés valides et écarter les autres »: the report
    counts the marchés imported and rejected and lists the rejected ones' errors, downloadable."""
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/televersement")
    expect(page.locator("#decp-mode-strict")).to_be_checked()  # strict unless asked
    form = page.locator("#televersement-sources")
    page.select_option("#source-type", "decp")
    page.set_input_files("#source-fichier", TEST_DATA / "decp" / "regles-invalides.json")
    form.get_by_text("Importer les marchés valides et écarter les autres").click()
    expect(page.locator("#decp-mode-garder")).to_be_checked()
    check_accessibility(page)
    screenshot(page, "televersement-decp-options")
    form.get_by_role("button", name="Importer ce fichier").click()
    expect(page).to_have_url(re.compile(r"/televersement/\d+$"))
    expect(page.locator("#annonce-import")).to_have_text(re.compile(r"^Import terminé"), timeout=30_000)
    expect(
        page.get_by_role("heading", name=re.compile(r"7 marché\(s\) importé\(s\), 13 écarté\(s\)"))
    ).to_be_visible()
    table = page.locator("table", has=page.locator("caption", has_text="Erreurs des marchés écartés"))
    row = table.locator("tbody tr", has_text="objet").first
    expect(row.locator("td").nth(0)).to_have_text("2")
    expect(row.locator("td").nth(3)).to_have_text("decp-invalide")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger les marchés écartés (CSV)").click()
    content = download.value.path().read_text("utf-8-sig")
    assert content.splitlines()[0] == "index;id;champ;code;message" and ";objet;decp-invalide;" in content
    check_accessibility(page)
    screenshot(page, "rapport-import-decp-ecartes")
