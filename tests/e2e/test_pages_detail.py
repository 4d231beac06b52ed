"""In a real browser: a line opened from the table with the keyboard (dialog), its page of its own,
"Mes exports" with a job and its download, the help page, the 404 page — each checked by axe-core."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from playwright.sync_api import expect
from tests.e2e.browser import check_accessibility, screenshot


def _active_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_open_a_line_from_the_table_with_the_keyboard(page):
    page.goto("/?vue=lignes&colonnes=n_ej,montant_ae,montant_cp,beneficiaire_code")
    first_row = page.locator(".tableau-lignes tbody tr").first
    button = first_row.locator("button[aria-controls='modal-ligne']")
    expect(button).to_be_visible()
    button_id = button.get_attribute("id")
    # Tab from the last header of the table lands on the first row's button.
    page.locator(".tableau-lignes thead th a").last.focus()
    page.keyboard.press("Tab")
    assert _active_id(page) == button_id
    page.keyboard.press("Enter")
    dialog = page.locator("#modal-ligne")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#detail-ligne-titre")).to_have_text(re.compile(r"^(Engagement|Paiement) n° "))
    expect(dialog.get_by_role("heading", name="Paiements (CP)")).to_be_visible()
    expect(dialog.get_by_role("link", name=re.compile("Ouvrir cette ligne dans une page"))).to_be_visible()
    assert page.evaluate("document.getElementById('modal-ligne').contains(document.activeElement)")
    check_accessibility(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#{button_id}")).to_be_focused()
    # The "Voir" link of the row still opens the page (works without JavaScript).
    href = first_row.get_by_role("link", name=re.compile("^Voir")).get_attribute("href")
    assert href == f"/lignes/{button_id.removeprefix('apercu-').split('-')[0]}"  # apercu-ID[-PARTIE]
    # From the dialog, "Ouvrir cette ligne dans une page" leads to that page.
    button.press("Enter")
    dialog.get_by_role("link", name=re.compile("Ouvrir cette ligne dans une page")).click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    expect(page.locator("h1")).to_have_text(re.compile(r"^(Engagement|Paiement) n° "))


def test_line_page_has_a_stable_url(page):
    page.goto("/?vue=lignes&tri=montant_cp&ordre=desc&colonnes=n_ej,montant_cp")
    href = (
        page.locator(".tableau-lignes tbody tr")
        .first.get_by_role("link", name=re.compile("^Voir"))
        .get_attribute("href")
    )
    response = page.goto(href)
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text(re.compile(r"^(Engagement|Paiement) n° "))
    for section in (
        "Engagement",
        "Programme et imputation",
        "Bénéficiaire",
        "Localisation",
        "Dates",
        "Source",
    ):
        expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Référentiel de programmation")
    expect(page.locator("main")).not_to_contain_text("Ref Programmation")
    payments = page.locator("#detail-paiements ~ .fr-table table")
    expect(payments.locator("tbody tr").first).to_be_visible()
    expect(payments.locator("tfoot")).to_contain_text("Total")
    expect(page.locator(".detail-fichiers li").first).to_contain_text(
        re.compile(r"importé le \d\d/\d\d/\d{4}")
    )
    check_accessibility(page)
    screenshot(page, "detail")


def test_mes_exports_shows_a_job_and_its_download(page):
    queued = page.request.post("/api/v1/exports/lignes.csv?annee=2024&colonnes=n_ej,montant_ae")
    assert queued.status == 202
    job = queued.json()
    page.goto("/exports")
    row = page.locator(f"tr[data-export='{job['id']}']")
    expect(row).to_contain_text(job["libelle"])
    expect(row.locator(".fr-badge")).to_have_text("Terminé", timeout=20_000)  # the list refreshes itself
    expect(row).to_contain_text(re.compile(r"\d+,\d\u00a0(Ko|Mo)"))
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile("^Télécharger")).click()
    with open(download_info.value.path(), encoding="utf-8-sig") as f:
        lines = list(csv.reader(io.StringIO(f.read()), delimiter=";"))
    assert lines[0] == ["N° EJ", "Montant engagé (AE)"] and len(lines) == job["total"] + 1
    assert download_info.value.suggested_filename == f"data-etat_{date.today().isoformat()}_annee-2024.csv"
    check_accessibility(page)
    screenshot(page, "mes-exports")
    # Delete, after a confirmation in French.
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.accept()))
    row.get_by_role("button", name=re.compile("^Supprimer")).click()
    expect(page.get_by_text("L'export a été supprimé.")).to_be_visible()
    expect(page.locator(f"tr[data-export='{job['id']}']")).to_have_count(0)
    assert questions and questions[0].startswith("Supprimer l'export")


def test_aide_page(page):
    page.goto("/aide")
    expect(page.locator("h1")).to_have_text("Aide et glossaire")
    check_accessibility(page)
    screenshot(page, "aide")
    page.get_by_role("link", name="Comment une ligne est rattachée à une zone").click()
    assert page.url.endswith("#regle-geographique")
    expect(page.locator("#regle-geographique")).to_be_in_viewport()


def test_404_page(page):
    response = page.goto("/cette-page-n-existe-pas")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page non trouvée")
    expect(page.get_by_role("link", name="Rechercher des données")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "404")
    api = page.request.get("/api/v1/cette-adresse-n-existe-pas")
    assert api.status == 404 and "erreur" in api.json()
