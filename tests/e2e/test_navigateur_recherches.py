"""In a real browser: "Sauvegarder la recherche" on the search page, the search found in "Mes
recherches", applied again (same URL parameters, same totals), renamed, deleted with its French
confirmation — each page checked by axe-core."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect
from tests.e2e.browser import check_accessibility, screenshot

from dataetat.web.formulaire import Recherche

SEARCH = (
    "/?grouper_par=programme&vue=lignes&colonnes=n_ej,programme_code,montant_ae,montant_cp"
    "&tri=montant_ae&ordre=desc&types_beneficiaires=entreprise,association&niveau_geo=region&code_geo=53"
)


def _totals(page) -> list[str]:
    return [
        page.locator(f'[data-total="{name}"]').inner_text() for name in ("count", "montant_ae", "montant_cp")
    ]


def _search(url: str) -> list[tuple[str, str]]:
    """The search of a page URL, normalised as the page reads it (codes for the reference's names)."""
    r, errors = Recherche.from_query(parse_qs(urlsplit(url).query))
    assert not errors
    return r.query_items()


def test_save_find_apply_rename_and_delete_a_search(page):
    page.goto(SEARCH)
    expect(page.locator('[data-total="count"]')).to_be_visible()
    searched_url, totals = page.url, _totals(page)
    name = f"Entreprises et associations {uuid.uuid4().hex[:6]}"

    form = page.locator("#sauvegarde")
    expect(form.get_by_role("button", name="Sauvegarder la recherche")).to_be_visible()
    form.get_by_label("Nom de la recherche à sauvegarder").fill(name)
    form.get_by_role("button", name="Sauvegarder la recherche").click()

    expect(page).to_have_url(re.compile(r"/recherches\?ok=enregistree"))
    expect(page.locator("h1")).to_have_text("Mes recherches")
    expect(page.get_by_role("status")).to_contain_text("La recherche a été sauvegardée.")
    row = page.locator("tr", has=page.get_by_role("rowheader", name=name))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("type de bénéficiaire Entreprise, Association")
    expect(row).to_contain_text("région Bretagne (53)")  # the zone named, not its code alone
    expect(row).to_contain_text("groupée par")
    expect(page.get_by_role("link", name="Mes recherches", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    check_accessibility(page)
    screenshot(page, "mes-recherches")

    # Appliquer: the same search, the same totals.
    row.get_by_role("link", name=re.compile("^Appliquer")).click()
    expect(page.locator('[data-total="count"]')).to_be_visible()
    assert urlsplit(page.url).path == "/"
    assert _search(page.url) == _search(searched_url)
    assert "grouper_par=programme_code" in page.url  # stored by codes
    assert _totals(page) == totals

    # Renommer, then Supprimer after the French confirmation.
    page.goto("/recherches")
    row = page.locator("tr", has=page.get_by_role("rowheader", name=name))
    row.get_by_label(re.compile("^Nouveau nom")).fill(name + " (bis)")
    row.get_by_role("button", name=re.compile("^Renommer")).click()
    expect(page.get_by_role("status")).to_contain_text("La recherche a été renommée.")
    row = page.locator("tr", has=page.get_by_role("rowheader", name=name + " (bis)"))
    expect(row).to_have_count(1)
    page.wait_for_load_state("load")  # htmx (deferred) set up: it asks before deleting
    messages: list[str] = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name=re.compile("^Supprimer")).click()
    expect(page.get_by_role("status")).to_contain_text("La recherche a été supprimée.")
    expect(page.get_by_role("rowheader", name=name + " (bis)")).to_have_count(0)
    assert messages and messages[0].startswith(f"Supprimer la recherche « {name} (bis) » ?")
    check_accessibility(page)
