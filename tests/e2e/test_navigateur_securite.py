"""In a real browser, the Content-Security-Policy of web/security.py breaks nothing: every page and
every view (map, charts, a line's dialog, Swagger UI on /docs…) is opened, used a little (hover,
dialog, PNG export), and not one CSP violation may be reported, neither by the
`securitypolicyviolation` event nor in the console."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from dataetat.web.security import CONTENT_SECURITY_POLICY

DRAWN = 30_000  # ms: the first map draw loads MapLibre and the contours

LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.signalerViolationCsp(
    `${e.effectiveDirective} bloqué : ${e.blockedURI || "(en ligne)"} dans ${e.sourceFile || location.href}` +
    `:${e.lineNumber} ${e.sample || ""}`);
});
"""


@pytest.fixture
def violations(page: Page) -> list[str]:
    """CSP violations seen by `page` from now on (event listener in every document, and the console)."""
    seen: list[str] = []
    page.context.expose_function("signalerViolationCsp", lambda text: seen.append(f"{page.url} : {text}"))
    page.context.add_init_script(LISTENER)
    page.on(
        "console",
        lambda m: (
            seen.append(f"{page.url} : console : {m.text}") if "Content Security Policy" in m.text else None
        ),
    )
    return seen


def _open(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, url
    page.wait_for_load_state("networkidle")


def _hover_middle(page: Page, selector: str) -> None:
    target = page.locator(selector).first
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None, selector
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.wait_for_timeout(300)


def test_no_csp_violation_on_the_search_views(page, violations):
    for url in ("/", "/?vue=lignes", "/?vue=groupes&grouper_par=programme", "/?vue=tableau"):
        _open(page, url)
        expect(page.locator("#resultats")).to_be_visible()
    # The map: MapLibre's workers (blob:), its stylesheet, the contours, the tooltip.
    _open(page, "/?vue=carte")
    expect(page.locator(".vue-js[data-vue=carte]")).to_have_attribute("data-etat", "dessinee", timeout=DRAWN)
    _hover_middle(page, ".vue-js[data-vue=carte] canvas.maplibregl-canvas")
    # The charts: ECharts' canvases, their HTML tooltip, a PNG export (data: URL).
    _open(page, "/?vue=graphiques")
    expect(page.locator("[data-graphique] canvas").first).to_be_visible(timeout=15_000)
    _hover_middle(page, "[data-graphique] canvas")
    expect(page.locator("[data-graphique] div").filter(has_text="€").first).to_be_visible()  # the tooltip
    with page.expect_download() as download:
        page.locator("[data-png]").first.click()
    assert download.value.suggested_filename.endswith(".png")
    assert not violations, "Violations de la CSP :\n" + "\n".join(violations)


def test_no_csp_violation_on_a_line_its_dialog_and_the_other_pages(page, violations):
    _open(page, "/?vue=lignes")
    row = page.locator(".tableau-lignes tbody tr").first
    row.locator("button[aria-controls='modal-ligne']").click()
    expect(page.locator("#modal-ligne")).to_be_visible()
    expect(page.locator("#detail-ligne-titre")).to_have_text(re.compile(r"^(Engagement|Paiement) n° "))
    page.keyboard.press("Escape")
    href = row.get_by_role("link", name=re.compile("^Voir")).get_attribute("href")
    for url in (href, "/exports", "/televersement", "/referentiels", "/aide"):
        _open(page, url)
        expect(page.locator("h1").first).to_be_visible()
    response = page.goto("/cette-page-n-existe-pas")
    assert response is not None and response.status == 404
    assert response.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY
    page.wait_for_load_state("networkidle")
    assert not violations, "Violations de la CSP :\n" + "\n".join(violations)


def test_swagger_ui_served_by_the_app_without_csp_violation(page, violations):
    _open(page, "/docs")
    operation = page.locator(".opblock").first
    expect(operation).to_be_visible(timeout=15_000)
    expect(page.locator(".swagger-ui .title").first).to_contain_text("Data-État")
    operation.locator(".opblock-summary-control").click()  # expand: parameters, responses, schemas
    expect(operation.locator(".opblock-body")).to_be_visible()
    page.wait_for_timeout(300)
    assert not violations, "Violations de la CSP :\n" + "\n".join(violations)
