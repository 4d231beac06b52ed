"""The « Règles d'étiquetage » admin page in a real browser over the e2e demo database (the
development identity is an ADMIN): the seeded rules in plain French, a rule's search opened on the
search page (its filters shown and kept), a rule previewed, added, the rules re-applied, the rule
deleted after the confirmation; accessible (axe-core), screenshot `admin-etiquettes`."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, screenshot

TAG = "essai-e2e"


def test_admin_manages_tag_rules(page: Page):
    page.goto("/admin/etiquettes")
    expect(page.locator("h1")).to_have_text("Règles d'étiquetage")
    table = page.locator("#etiquettes-table")
    expect(table).to_contain_text("programme 380 ; source : engagements Chorus (AE)")
    check_accessibility(page)

    cper = table.locator("tr", has_text="cper:2021-27")
    cper.get_by_role("link", name="Voir la recherche de la règle cper:2021-27").click()
    page.wait_for_url(re.compile(r"/\?.*cper=oui"))
    expect(page.locator("#autres-filtres")).to_contain_text("rattachées à un contrat de plan État-région")
    expect(page.locator('#recherche input[type="hidden"][name="cper"]')).to_have_value("oui")
    page.go_back()

    page.get_by_label("Étiquette", exact=False).fill(TAG)
    page.get_by_label("Recherche", exact=False).fill("source=FINANCIAL_DATA_AE&annee=2099")
    page.get_by_role("button", name="Aperçu : combien de lignes ?").click()
    expect(page.locator("#etiquettes-apercu")).to_contain_text(f"La règle « {TAG} » trouve 0 ligne(s)")
    expect(page.get_by_label("Étiquette", exact=False)).to_have_value(TAG)  # the form keeps what was typed
    page.get_by_role("button", name="Ajouter la règle").click()
    expect(page.locator("#etiquettes-message")).to_contain_text(f"La règle « {TAG} » est ajoutée.")
    row = table.locator("tr", has_text=TAG)
    expect(row).to_contain_text("année 2099")

    page.get_by_role("button", name="Réappliquer les règles").click()
    expect(page.locator("#etiquettes-message")).to_contain_text("Règles réappliquées en")

    row.get_by_role("link", name=f"Supprimer la règle {TAG}").click()
    expect(page.locator("#etiquettes-confirmation")).to_contain_text(f"Supprimer la règle « {TAG} » ?")
    # At 1,440 px the searches wrap: « Lignes trouvées », « État » and the actions are in view.
    widths = table.evaluate(
        "t => { const c = t.closest('.fr-table__container'); return [c.scrollWidth, c.clientWidth]; }"
    )
    assert widths[0] <= widths[1], f"règles plus larges que l'écran : {widths}"
    check_accessibility(page)
    screenshot(page, "admin-etiquettes")
    page.get_by_role("button", name="Supprimer la règle").click()
    expect(page.locator("#etiquettes-message")).to_contain_text(f"La règle « {TAG} » est supprimée.")
    expect(table.locator("tr", has_text=TAG)).to_have_count(0)
