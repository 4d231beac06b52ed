"""The audit log page in a real browser: exports made by the user appear, the action filter keeps
them only, the CSV link carries the filters; accessible (axe-core)."""

import re

from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, screenshot


def test_audit_page_filters_by_action(page: Page):
    for annee in ("2023", "2024"):
        assert page.request.get(f"/api/v1/exports/lignes.csv?annee={annee}").ok  # two export events
    page.goto("/admin/audit")
    expect(page.locator("h1")).to_have_text("Journal d'audit")
    check_accessibility(page)
    page.select_option("#audit-action", "export")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"/admin/audit\?.*action=export"))
    rows = page.locator("#audit-table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2
    for text in rows.locator("td:nth-child(3)").all_inner_texts():
        assert text == "Export de données"
    expect(rows.filter(has_text="recherche : annee=2024").first).to_be_visible()
    expect(page.locator("#audit-action")).to_have_value("export")
    expect(page.locator("#audit-csv")).to_have_attribute("href", "/admin/audit.csv?action=export")
    check_accessibility(page)
    screenshot(page, "audit")
    with page.expect_download() as download:
        page.locator("#audit-csv").click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and b"Export de donn" in content
