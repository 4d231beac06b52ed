"""The accounts page in a real browser, served with accounts (auth_developpement off) over the e2e
demo database: the demo ADMIN account logs in (its password set by the test: `dataetat demo` draws
it), opens « Administration › Comptes », changes an agent's role, disables it after the French
confirmation and enables it again; accessible (axe-core), screenshot `admin-comptes`."""

from __future__ import annotations

from playwright.sync_api import expect
from tests.e2e.browser import check_accessibility, screenshot
from tests.e2e.comptes import ADMIN, PASSWORD
from tests.e2e.comptes import AGENT_COMPTES as AGENT


def test_admin_changes_a_role_and_disables_an_account(accounts_page):
    page = accounts_page
    page.goto("/admin/comptes")
    expect(page).to_have_url("/connexion?suite=%2Fadmin%2Fcomptes")
    page.get_by_label("Adresse électronique").fill(ADMIN)
    page.get_by_label("Mot de passe", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url("/admin/comptes")
    expect(page.locator("h1")).to_have_text("Comptes")
    page.wait_for_load_state("load")  # the DSFR script (a module) opens the menu below

    menu = page.get_by_role("button", name="Administration")
    expect(menu).to_have_attribute("aria-current", "true")
    menu.click()
    expect(page.locator("header").get_by_role("link", name="Journal d'audit")).to_be_visible()
    menu.click()

    row = page.locator(f'tr[data-compte="{AGENT}"]')
    expect(row).to_contain_text("Agent comptes e2e")
    expect(row.get_by_label(f"Rôle de {AGENT}")).to_have_value("USERS")
    check_accessibility(page)

    row.get_by_label(f"Rôle de {AGENT}").select_option("COMPTABLE")
    row.get_by_role("button", name=f"Enregistrer le rôle et la région de {AGENT}").click()
    expect(page.locator("#comptes-message")).to_contain_text(f"Le compte {AGENT} a été modifié")
    expect(row.get_by_label(f"Rôle de {AGENT}")).to_have_value("COMPTABLE")

    questions: list[str] = []

    def dismiss_then_accept(dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    page.on("dialog", dismiss_then_accept)
    disable = row.get_by_role("button", name=f"Désactiver le compte {AGENT}")
    disable.click()  # « Annuler »: nothing sent
    expect(row).to_contain_text("Actif")
    disable.click()
    expect(page.locator("#comptes-message")).to_contain_text(f"Le compte {AGENT} est désactivé")
    assert questions[0].startswith(f"Désactiver le compte {AGENT} ?")
    expect(row.locator(".fr-badge")).to_have_text("Désactivé")
    # At 1,440 px the table fits its frame and each « Actions » button its cell (not cut at the right edge).
    overflow = page.locator("#comptes-table").evaluate(
        """t => { const c = t.closest('.fr-table__container');
                  const out = c.scrollWidth > c.clientWidth ? [`tableau ${c.scrollWidth} > ${c.clientWidth}`] : [];
                  for (const b of t.querySelectorAll('td .fr-btn')) {
                    const cell = b.closest('td'), s = getComputedStyle(cell), td = cell.getBoundingClientRect();
                    const [left, right] = [td.left + parseFloat(s.paddingLeft), td.right - parseFloat(s.paddingRight)];
                    const r = b.getBoundingClientRect();
                    if (r.left < left - 0.5 || r.right > right + 0.5) out.push(`${b.textContent.trim()} ${r.left}-${r.right} hors de ${left}-${right}`);
                  }
                  return out; }"""
    )
    assert not overflow, f"comptes coupés : {overflow}"
    check_accessibility(page)
    screenshot(page, "admin-comptes")

    row.get_by_role("button", name=f"Activer le compte {AGENT}").click()
    expect(row.locator(".fr-badge")).to_have_text("Actif")
    assert len(questions) == 2  # enabling asks nothing

    # Clicked before confirmer.js runs (here: never loads): the server asks, nothing changes.
    page.route("**/static/app/confirmer.js", lambda route: route.abort())
    page.goto("/admin/comptes", wait_until="commit")
    row.get_by_role("button", name=f"Désactiver le compte {AGENT}").click()
    expect(page.locator("h1")).to_have_text(f"Désactiver le compte {AGENT} ?")
    assert len(questions) == 2  # the browser asked nothing: the page does
    page.get_by_role("link", name="Annuler").click()
    expect(row.locator(".fr-badge")).to_have_text("Actif")
