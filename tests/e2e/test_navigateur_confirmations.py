"""Destructive forms ask first whatever the page's loading state (web/confirmation.py,
static/app/confirmer.js): clicked at once after navigation, before the page's scripts have run, or
with the script never loaded, a saved search or an export is not deleted: the server asks; with the
script, the browser asks and « Annuler » sends nothing."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from tests.e2e.browser import check_accessibility, screenshot

CONFIRMER_JS = "**/static/app/confirmer.js"


def _saved_search(page) -> tuple[int, str]:
    name = f"À supprimer {uuid.uuid4().hex[:6]}"
    saved = page.request.post("/api/v1/recherches", data={"nom": name, "recherche": {"annee": "2023"}})
    assert saved.status == 201, saved.text()
    return saved.json()["id"], name


def _exists(page, recherche_id: int) -> bool:
    return page.request.get(f"/api/v1/recherches/{recherche_id}").status == 200


def test_a_click_before_the_script_has_loaded_gets_the_servers_question(page):
    recherche_id, name = _saved_search(page)
    page.route(CONFIRMER_JS, lambda route: route.abort())  # the script never runs
    page.goto("/recherches", wait_until="commit")
    page.locator(f"#supprimer-{recherche_id}").click()  # as soon as the button is there
    expect(page.locator("h1")).to_have_text(f"Supprimer la recherche « {name} » ?")
    assert _exists(page, recherche_id)  # asked, not deleted
    page.set_viewport_size({"width": 1440, "height": 900})
    check_accessibility(page)
    screenshot(page, "confirmation-serveur")
    page.get_by_role("link", name="Annuler").click()
    expect(page.locator("h1")).to_have_text("Mes recherches")
    assert _exists(page, recherche_id)
    page.locator(f"#supprimer-{recherche_id}").click()
    page.get_by_role("button", name="Supprimer la recherche").click()
    expect(page.get_by_role("status")).to_contain_text("La recherche a été supprimée.")
    assert not _exists(page, recherche_id)


def test_a_click_right_after_navigation_asks_first_and_cancel_keeps_everything(page):
    """Whichever answers first (the browser's question once the script runs, else the server's page),
    the user is asked, and refusing deletes nothing."""
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    for _ in range(3):
        recherche_id, _name = _saved_search(page)
        asked.clear()
        page.goto("/recherches", wait_until="commit")
        page.locator(f"#supprimer-{recherche_id}").click()
        page.wait_for_load_state("load")
        if not asked:  # sent before the script ran: the server's question
            expect(page.locator("h1")).to_have_text(re.compile(r"^Supprimer la recherche"))
        assert _exists(page, recherche_id)


def test_every_destructive_form_asks_in_the_browser_once_loaded(page):
    recherche_id, name = _saved_search(page)
    queued = page.request.post("/api/v1/exports/lignes.csv?annee=2024&colonnes=n_ej")
    assert queued.status == 202
    job = queued.json()
    questions: list[str] = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    page.goto("/recherches")
    page.locator(f"#supprimer-{recherche_id}").click()
    expect(page.locator("h1")).to_have_text("Mes recherches")
    assert questions[-1].startswith(f"Supprimer la recherche « {name} » ?") and _exists(page, recherche_id)
    page.goto("/exports")
    row = page.locator(f"tr[data-export='{job['id']}']")
    expect(row.locator(".fr-badge")).to_have_text("Terminé", timeout=20_000)
    row.get_by_role("button", name=re.compile("^Supprimer")).click()
    expect(row).to_have_count(1)
    assert questions[-1].startswith("Supprimer l'export")
    assert page.request.get(f"/api/v1/exports/{job['id']}").status == 200


def test_an_export_deleted_before_the_script_has_loaded_is_asked_for(page):
    queued = page.request.post("/api/v1/exports/lignes.csv?annee=2024&colonnes=n_ej")
    assert queued.status == 202
    job = queued.json()
    page.goto("/exports")
    row = page.locator(f"tr[data-export='{job['id']}']")
    expect(row.locator(".fr-badge")).to_have_text("Terminé", timeout=20_000)
    page.route(CONFIRMER_JS, lambda route: route.abort())
    page.goto("/exports", wait_until="commit")
    row.get_by_role("button", name=re.compile("^Supprimer")).click()
    expect(page.locator("h1")).to_have_text(f"Supprimer l'export « {job['libelle']} » et son fichier ?")
    assert page.request.get(f"/api/v1/exports/{job['id']}").status == 200  # asked, not deleted
    page.get_by_role("button", name="Supprimer l'export").click()
    expect(page.get_by_text("L'export a été supprimé.")).to_be_visible()
    assert page.request.get(f"/api/v1/exports/{job['id']}").status == 404
