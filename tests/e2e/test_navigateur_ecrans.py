"""The daily screens at 1,440 px (issue 11, items 1, 2, 4, 7, 9, 10): tags as labelled pills, amounts
of the grouped view and of the tableau dynamique visible without scrolling, « Télécharger » above the
table, look-ups offering the codes of the data, the QPV page without sideways scrolling and with French
percentages, the help page, the freshness notice and the choice of exercices."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, screenshot

from dataetat.model.tags import label as tag_label

WIDE = {"width": 1440, "height": 900}


def api(page: Page, path: str):
    response = page.request.get(path)
    assert response.ok, response.text()
    return response.json()


def outside(page: Page, selector: str) -> list[str]:
    """The cells matching `selector` whose box is not wholly inside both the viewport and their
    table's scroll container (as the page is shown, without scrolling)."""
    return page.evaluate(
        """(selector) => {
            const bad = [];
            const vw = document.documentElement.clientWidth;
            for (const cell of document.querySelectorAll(selector)) {
                const box = cell.getBoundingClientRect();
                const scroller = cell.closest(".fr-table__container") || document.body;
                const area = scroller.getBoundingClientRect();
                if (box.left < Math.max(0, area.left) - 1 || box.right > Math.min(vw, area.right) + 1) {
                    bad.push(`${cell.innerText.trim()} [${Math.round(box.left)}–${Math.round(box.right)}] hors de [${Math.round(area.left)}–${Math.round(Math.min(vw, area.right))}]`);
                }
            }
            return bad;
        }""",
        selector,
    )


# --- 11.1 tags -----------------------------------------------------------------------------------


def test_tags_are_one_labelled_pill_each_and_rows_stay_low(page: Page):
    page.set_viewport_size(WIDE)
    tags = api(page, "/api/v1/referentiels/tags?limite=500")
    assert tags, "la démo doit porter des tags"
    tag = max(tags, key=lambda t: len(t["code"]))["code"]  # the longest code: the most pills before the fix
    page.goto(f"/?tags={tag}&vue=lignes")
    expected = {
        str(line["id"]): [t["label"] for t in line["tags"]]
        for line in api(page, f"/api/v1/lignes?tags={tag}&page_size=100")["lignes"]
    }
    rows = page.locator(".tableau-lignes tbody tr")
    expect(rows.first).to_be_visible()
    column = page.locator(".tableau-lignes thead th").all_inner_texts().index("Tags")
    for i in range(min(rows.count(), 10)):
        row = rows.nth(i)
        pills = row.locator("td").nth(column).locator(".fr-tag")  # the « Détail » cell is a td too
        wanted = expected[row.get_attribute("data-ligne")]
        assert pills.all_inner_texts() == wanted
        assert tag_label(tag) in wanted
        # One pill per tag, on one line each: the tags cell no longer swells the row (280 px before).
        group = row.locator("td").nth(column).locator(".fr-tags-group").bounding_box()
        assert pills.first.bounding_box()["height"] < 40 and group["height"] < 40 * len(wanted) + 20, group
    check_accessibility(page)
    screenshot(page, "ecrans-tags")


# --- 11.2 amounts visible; grouping levels ---------------------------------------------------------


def test_amounts_of_the_groups_are_visible_without_scrolling(page: Page):
    page.set_viewport_size(WIDE)
    page.goto("/?grouper_par=beneficiaire,programme&vue=groupes")
    expect(page.locator("table.groupes tbody tr").first).to_be_visible()
    assert page.locator("table.groupes td.montant").count() >= 3
    assert outside(page, "table.groupes td.montant") == []
    assert outside(page, "table.groupes thead th") == []
    # A long label wraps (or is cut) and keeps its whole text for hover and assistive technologies.
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
    check_accessibility(page)
    screenshot(page, "ecrans-groupes")


def test_amounts_of_the_pivot_are_visible_without_scrolling(page: Page):
    page.set_viewport_size(WIDE)
    page.goto("/?vue=tableau&pivot_lignes=beneficiaire_code&pivot_colonnes=annee")
    expect(page.locator("[data-total-pivot]")).to_be_visible()
    assert outside(page, ".pivot td.montant") == []
    assert outside(page, ".pivot thead th") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
    check_accessibility(page)
    screenshot(page, "ecrans-tableau-dynamique")


def test_pivot_with_many_columns_keeps_labels_and_totals_in_view(page: Page):
    page.set_viewport_size(WIDE)
    page.goto("/?vue=tableau&pivot_lignes=beneficiaire_code&pivot_colonnes=programme_code")
    expect(page.locator("[data-total-pivot]")).to_be_visible()
    # Many columns may scroll, but the row labels (first column) and the « Total » column stay in view.
    assert outside(page, ".pivot tbody th[scope=row]") == []
    assert outside(page, ".pivot tr > :last-child") == []
    screenshot(page, "ecrans-tableau-dynamique-large")


def test_amounts_of_the_lines_are_visible_without_scrolling(page: Page):
    page.set_viewport_size(WIDE)
    page.goto("/?vue=lignes")
    expect(page.locator(".tableau-lignes tbody tr").first).to_be_visible()
    assert outside(page, ".tableau-lignes td.montant") == []


def test_grouping_levels_are_numbered_once_and_remove_is_a_separate_link(page: Page):
    page.set_viewport_size(WIDE)
    page.goto("/?grouper_par=programme,annee_engagement&vue=groupes")
    levels = page.locator(".regroupement__niveaux > li")
    expect(levels).to_have_count(2)
    # What is drawn: the list marker (DSFR numbers an <ol> with a ::marker) and the text of each level.
    drawn = levels.evaluate_all(
        """(items) => items.map((li) => {
            const marker = getComputedStyle(li, "::marker").content;
            const shown = getComputedStyle(li).display === "list-item" && !["none", "normal", '""'].includes(marker);
            return (shown ? "[marqueur] " : "") + li.innerText.trim();
        })"""
    )
    for text in drawn:
        numbers = len(re.findall(r"\d\.", text.split("Retirer")[0])) + text.count("[marqueur]")
        assert numbers == 1, drawn
    first = levels.first
    link = first.get_by_role("link", name="Retirer le niveau Programme")
    expect(link).to_be_visible()
    expect(link).to_have_text(re.compile(r"^\s*Retirer"))
    # The label and « Retirer » do not touch: a gap between their boxes.
    label_box = first.locator(".fr-tag").bounding_box()
    assert link.bounding_box()["x"] >= label_box["x"] + label_box["width"] + 4
    screenshot(page, "ecrans-niveaux")


# --- 11.4 Télécharger above the table --------------------------------------------------------------


def test_downloads_sit_with_the_totals_above_the_table(page: Page):
    page.set_viewport_size(WIDE)
    for url, table in (
        ("/?vue=lignes", ".tableau-lignes table"),
        ("/?grouper_par=programme&vue=groupes", "table.groupes"),
        ("/?vue=tableau", ".pivot table"),
    ):
        page.goto(url)
        exports = page.locator("section.exports")
        expect(exports).to_be_visible()
        top = exports.bounding_box()["y"]
        assert top < page.locator(table).bounding_box()["y"], url
        totals = page.locator("#totaux").bounding_box()
        assert top - (totals["y"] + totals["height"]) < 300, f"{url} : « Télécharger » loin des totaux"
        expect(exports.get_by_role("link", name=re.compile("^CSV")).first).to_be_visible()
    screenshot(page, "ecrans-telecharger")


# --- 11.9 QPV page -----------------------------------------------------------------------------------


def test_qpv_page_does_not_scroll_sideways_and_speaks_french(page: Page):
    page.set_viewport_size(WIDE)
    page.goto("/qpv")
    expect(page.locator("#resultats-qpv")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
    body = page.locator("main").inner_text()
    assert not re.search(r"\d\.\d %", body), re.findall(r".{20}\d\.\d %", body)[:3]
    assert not re.search(r"\bEtat\b", body)
    shares = [t for t in page.locator("td.montant").filter(has_text="%").all_inner_texts() if t]  # shown tab
    assert shares and all(
        re.fullmatch(r"\d+(,\d)? %", s.replace("\u202f", " ").replace("\xa0", " ")) for s in shares
    ), shares[:5]
    # the demo funds its QPVs on programme 147 too: the opening tab (« Crédits P147 ») is not empty
    p147 = page.locator("#onglet-p147-panneau")
    expect(p147).to_be_visible()
    expect(p147.locator("[data-chiffre=total_financements]")).not_to_have_text(re.compile(r"^0,00"))
    expect(p147.get_by_text("Aucun résultat")).to_have_count(0)
    check_accessibility(page, exclude=[".qpv-carte__boite"])
    screenshot(page, "ecrans-qpv")


def test_etat_is_written_with_its_accent_in_groups_and_pivot(page: Page):
    for url in (
        "/?grouper_par=type_etablissement&vue=groupes",
        "/?vue=tableau&pivot_lignes=beneficiaire_categorie_juridique_type&pivot_colonnes=programme_theme",
    ):
        page.goto(url)
        text = page.locator("#resultats").inner_text()
        assert "État" in text, url
        assert not re.search(r"\bEtat\b", text), url


# --- 11.10 help, header, freshness, years -------------------------------------------------------------


def test_help_page_tells_the_truth_about_the_pages(page: Page):
    page.set_viewport_size(WIDE)
    page.goto("/aide")
    text = page.locator("main").inner_text()
    assert "n'est pas encore proposé" not in text
    for anchor in ("carte", "tableau-dynamique", "graphiques", "quartiers-prioritaires", "fiches"):
        expect(page.locator(f"section#{anchor}")).to_be_visible()
    expect(page.locator("section#zones")).to_contain_text("QPV")
    expect(page.locator("section#regle-geographique")).to_contain_text("Lieu retenu")
    expect(page.locator("section#regle-geographique")).to_contain_text("région inconnue")
    for link in ("/qpv", "/exports", "/recherches", "/docs"):
        expect(page.locator(f"main a[href='{link}']").first).to_be_visible()
    check_accessibility(page)
    screenshot(page, "ecrans-aide")


def test_freshness_says_last_import_and_the_years_present(page: Page):
    years = sorted(api(page, "/api/v1/annees"))
    page.goto("/")
    notice = page.locator("#fraicheur")
    expect(notice).to_contain_text("Dernier import Chorus le")
    expect(notice).to_contain_text(f"données de {years[0]} à {years[-1]}")
    expect(notice).not_to_contain_text("jusqu'au")


def test_exercices_include_this_year_and_may_be_non_consecutive(page: Page):
    page.set_viewport_size(WIDE)
    this_year = date.today().year
    years = sorted(api(page, "/api/v1/annees"))
    assert len(years) >= 3
    page.goto("/")
    choices = page.locator("#f-annees input[type=checkbox]")
    values = [int(v) for v in choices.evaluate_all("(els) => els.map((e) => e.value)")]
    assert this_year in values and years[0] in values
    first, last = years[0], years[-1]
    page.locator(f"label[for=f-annee-{first}]").click()
    page.locator(f"label[for=f-annee-{last}]").click()
    page.click("#bouton-rechercher")
    page.wait_for_url(re.compile("annees="))
    expected = api(page, f"/api/v1/lignes?annee={first},{last}")["total"]
    expect(page.locator("[data-total=count]")).to_have_text(
        re.compile(f"^{expected['count']:,}".replace(",", r"\s?"))
    )
    check_accessibility(page)
    screenshot(page, "ecrans-exercices")
    # A deep link of the reference with a range still works, and checks the years of the range.
    page.goto(f"/?annee_min={first}&annee_max={first + 1}")
    expect(page.locator(f"#f-annee-{first}")).to_be_checked()
    expect(page.locator(f"#f-annee-{first + 1}")).to_be_checked()
    expect(page.locator(f"#f-annee-{last}")).not_to_be_checked()
    expected = api(page, f"/api/v1/lignes?annee={first},{first + 1}")["total"]
    expect(page.locator("[data-total=count]")).to_have_text(
        re.compile(f"^{expected['count']:,}".replace(",", r"\s?"))
    )


def test_header_shows_the_account_on_every_page_when_logged_in(accounts_page):
    from tests.e2e.comptes import AGENT, PASSWORD

    page = accounts_page
    page.goto("/connexion")
    page.get_by_label("Adresse électronique").fill(AGENT)
    page.get_by_label("Mot de passe", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url("/")
    for url in ("/aide", "/page-qui-n-existe-pas"):
        page.goto(url)
        header = page.locator("header")
        expect(header).to_contain_text(AGENT)
        expect(header.get_by_role("button", name="Se déconnecter")).to_have_count(1)
        expect(header.get_by_role("link", name="Se connecter")).to_have_count(0)
    page.goto("/aide")
    screenshot(page, "ecrans-aide-connecte")
