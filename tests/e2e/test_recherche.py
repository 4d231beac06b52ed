"""The search page in a real browser: a search typed in the form, deep links, the URL round trip,
back/forward, columns, grouping drill-down, the tableau dynamique and a downloaded export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from playwright.sync_api import Page, expect
from tests.e2e.browser import CONTEXT_FR, SCREENSHOTS, check_accessibility, screenshot

from dataetat.web.pages.templating import euros, nombre


def api(page: Page, path: str) -> dict:
    response = page.request.get(path)
    assert response.ok, response.text()
    return response.json()


def top_programme(page: Page) -> str:
    return api(page, "/api/v1/lignes?grouping=programme_code&page_size=1")["groupes"][0]["code"]


def shown_totals(page: Page) -> tuple[str, str, str]:
    totals = page.locator("#totaux")
    expect(totals).to_be_visible()
    return tuple(
        totals.locator(f"[data-total={k}]").inner_text() for k in ("count", "montant_ae", "montant_cp")
    )


def formatted(total: dict) -> tuple[str, str, str]:
    return nombre(total["count"]), euros(total["montant_ae"]), euros(total["montant_cp"])


def test_search_typed_in_the_form_shows_the_totals_of_the_api(page: Page):
    programme = top_programme(page)
    page.goto("/")
    expect(page.locator(".fr-callout")).to_contain_text("Choisissez des filtres")
    # Beneficiary types capitalised, accented, « Autres » last.
    types = ["Association", "Collectivité", "Entreprise", "État", "Autres"]
    expect(page.locator("#f-types label")).to_have_text(types)
    check_accessibility(page)
    screenshot(page, "recherche-vide")
    page.fill("#f-programmes", programme)
    option = page.locator("#f-programmes-liste [role=option]").first
    expect(option).to_contain_text(programme)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # chooses the option, does not submit
    expect(page.locator("#f-programmes").locator("xpath=..").locator(".fr-tag")).to_have_count(1)
    page.click("#bouton-rechercher")
    page.wait_for_url(re.compile(rf"programmes={programme}"))
    expected = api(page, f"/api/v1/lignes?code_programme={programme}")["total"]
    assert shown_totals(page) == formatted(expected)
    # The tiles line up with the « Résultats » heading (not 12 px to its left, in the page's margin).
    tile = page.locator("#totaux .totaux__case").first.bounding_box()
    heading = page.locator("#resultats-titre").bounding_box()
    assert tile and heading and abs(tile["x"] - heading["x"]) <= 1, (tile, heading)
    assert page.locator(".tableau-lignes tbody tr").count() == min(100, expected["count"])
    check_accessibility(page)
    screenshot(page, "recherche-resultats")


def test_url_round_trip_and_back_forward(page: Page, browser):
    programme = top_programme(page)
    page.goto(f"/?programmes={programme}&annee_min=2000&annee_max=2026")
    first = shown_totals(page)
    url = page.url
    page.get_by_role("link", name=re.compile("^Montant engagé")).first.click()  # sort by AE
    page.wait_for_url(re.compile("tri=montant_ae"))
    amounts = page.locator(".tableau-lignes tbody tr td.montant").all_inner_texts()[::2][:5]
    assert amounts == sorted(amounts, key=lambda t: float(re.sub(r"[^\d,]", "", t).replace(",", ".")))
    page.go_back()
    page.wait_for_url(url)
    assert shown_totals(page) == first
    other = browser.new_context(base_url=page.url.split("/?")[0], **CONTEXT_FR).new_page()
    other.goto(url)
    assert shown_totals(other) == first
    other.context.close()


def test_deep_links_of_the_reference(page: Page):
    programme = top_programme(page)
    page.goto(f"/?programmes={programme}&grouper_par=programme,annee_engagement")
    expect(page.locator("table.groupes")).to_be_visible()
    expect(page.locator("table.groupes tbody tr")).to_have_count(1)
    page.goto("/?grouper_par=ministere&niveau_geo=departement")
    alert = page.locator(".fr-alert--error")
    expect(alert).to_contain_text("« ministere » n'est pas un membre")
    page.goto("/?code_geo=35")
    expect(page.locator(".fr-alert--error")).to_contain_text("niveau_geo et code_geo ensemble")
    # The sentence of the filters names the zones (COG referentials), codes in parentheses.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/?niveau_geo=departement&code_geo=35,29&vue=lignes")
    filtres = page.get_by_text(re.compile("^Filtres : "))
    expect(filtres).to_have_text("Filtres : département Ille-et-Vilaine (35), Finistère (29).")
    filtres.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "recherche-filtre-zone.png"))  # the screen of the sentence


def test_grouping_drill_down_and_back(page: Page):
    page.goto("/?grouper_par=programme,annee_engagement&vue=groupes")
    groups = page.locator("table.groupes tbody tr")
    expect(groups.first).to_be_visible()
    check_accessibility(page)
    screenshot(page, "groupes")
    total = api(page, "/api/v1/lignes")["total"]
    counts = [
        int(re.sub(r"\D", "", t))
        for t in page.locator("table.groupes tbody td:nth-child(2)").all_inner_texts()
    ]
    if not page.get_by_role("link", name="Groupes suivants").count():
        assert sum(counts) == total["count"]
    code = groups.first.get_attribute("data-groupe")
    groups.first.locator("th a").click()
    page.wait_for_url(re.compile(rf"grouped={code}"))
    expect(page.locator(".fr-breadcrumb")).to_contain_text(f"Programme : {code}")
    years = api(page, f"/api/v1/lignes?grouping=programme_code,annee&grouped={code}")["groupes"]
    expect(page.locator("table.groupes tbody tr")).to_have_count(len(years))
    page.locator("table.groupes tbody tr").first.get_by_role(
        "link", name="Voir les lignes de ce groupe"
    ).click()
    page.wait_for_url(re.compile("vue=lignes"))
    expect(page.locator(".tableau-lignes")).to_be_visible()
    page.get_by_role("link", name="Tous les groupes").click()
    page.wait_for_url(re.compile(r"vue=groupes(?!.*grouped)"))
    expect(page.locator("table.groupes tbody tr")).to_have_count(len(counts))


def test_pivot_totals(page: Page):
    page.goto("/?vue=tableau")
    cell = page.locator("[data-total-pivot]")
    expect(cell).to_be_visible()
    body = api(page, "/api/v1/pivot?lignes=programme_code&colonnes=annee")
    assert cell.inner_text() == euros(body["total"])
    check_accessibility(page)
    screenshot(page, "tableau-dynamique")


def test_columns_chosen_and_ordered(page: Page):
    page.goto("/?vue=lignes")
    page.get_by_text("Choisir les colonnes").click()
    items = page.locator(".colonnes__item")
    first_label = items.first.locator("label").inner_text()
    items.nth(1).get_by_role("button", name=re.compile("^Monter")).click()
    page.locator("label[for=col-n_ej]").click()
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url(re.compile("colonnes="))
    headers = page.locator(".tableau-lignes thead th").all_inner_texts()
    assert "N° EJ" not in headers
    assert headers[2].startswith(first_label)  # the first column went down by one
    page.reload()
    assert page.locator(".tableau-lignes thead th").all_inner_texts() == headers


def test_csv_export_downloaded_equals_the_search(page: Page):
    programme = top_programme(page)
    page.goto(f"/?programmes={programme}")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV (colonnes affichées)").click()
    text = info.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    total = api(page, f"/api/v1/lignes?code_programme={programme}")["total"]
    assert len(rows) - 1 == total["count"]
    ae = rows[0].index("Montant engagé (AE)")
    assert round(sum(float(r[ae].replace(",", ".")) for r in rows[1:]), 2) == round(total["montant_ae"], 2)
    # named after the search and the day; the programme as code and label, as on the screen
    assert info.value.suggested_filename == f"data-etat_{date.today().isoformat()}_programme-{programme}.csv"
    code = rows[0].index("Programme (code)")
    assert rows[0][code + 1] == "Programme (libellé)"
    shown = api(page, f"/api/v1/referentiels/programmes?q={programme}")[0]["label"]  # « code - libellé »
    assert {f"{r[code]} - {r[code + 1]}" for r in rows[1:]} == {shown}


def test_every_row_is_reachable_with_the_keyboard(page: Page):
    page.goto("/?vue=lignes")
    link = page.locator(".tableau-lignes tbody tr").first.get_by_role("link", name=re.compile("^Voir"))
    link.focus()
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/lignes/\d+"))


def test_a_group_unfolds_and_folds_in_place(page: Page):
    page.goto("/?grouper_par=programme,annee_engagement,type_etablissement&vue=groupes")
    first = page.locator("table.groupes tbody tr").first
    code = first.get_attribute("data-groupe")
    level0 = page.locator("table.groupes tbody tr").count()
    button = first.locator(".groupe__deplier")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    children = page.locator(f"tr[data-chemin^='{code},']")
    years = api(page, f"/api/v1/lignes?grouping=programme_code,annee&grouped={code}")["groupes"]
    expect(children).to_have_count(len(years))
    assert page.url.endswith("vue=groupes")  # unfolding does not change the search
    children.first.locator(".groupe__deplier").click()  # a third level under the second
    expect(page.locator(f"tr.groupe--niveau-2[data-chemin^='{code},']").first).to_be_visible()
    check_accessibility(page)
    button.click()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(page.locator("table.groupes tbody tr")).to_have_count(level0)
