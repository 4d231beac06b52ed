"""The register of DECP catalogues and the coverage view in a real browser: a catalogue served by a
loopback server is registered through the form, harvested by the server's worker, its conformity
shown; the coverage map; accessible (axe)."""

import json
from pathlib import Path

from playwright.sync_api import Page, expect
from tests.e2e.browser import check_accessibility, screenshot
from tests.fakes.serveur import Reponse, ServeurLocal

DATA = Path(__file__).resolve().parents[1] / "data" / "decp"
SCHEMA = "https://schema.data.gouv.fr/schemas/139bercy/format-commande-publique/2.0.3/schema_decp_v2.0.3.json"


def _catalogue(base: str) -> bytes:
    return json.dumps(
        {
            "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"},
            "@graph": [
                {"@id": f"{base}/dcat.jsonld", "@type": "dcat:Catalog", "dct:title": "DECP e2e"},
                {
                    "@id": f"{base}/ds/1",
                    "@type": "dcat:Dataset",
                    "dct:identifier": "decp-e2e",
                    "dct:title": "Marchés e2e",
                    "dcat:distribution": {
                        "@type": "dcat:Distribution",
                        "dcat:downloadURL": {"@id": f"{base}/regles-invalides.json"},
                        "dct:conformsTo": {"@id": SCHEMA},
                    },
                },
            ],
        }
    ).encode()


def test_register_harvest_and_coverage(page: Page):
    def repondre(r):
        if r.chemin == "/dcat.jsonld":
            return Reponse(corps=_catalogue(serveur.url), entetes={"Content-Type": "application/ld+json"})
        if r.chemin == "/regles-invalides.json":
            return Reponse(corps=(DATA / "regles-invalides.json").read_bytes())
        return Reponse(statut=404, corps=b"")

    serveur = ServeurLocal(repondre)
    with serveur:
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto("/admin/catalogues")
        expect(page.locator("h1")).to_have_text("Catalogues de la commande publique")
        check_accessibility(page)
        page.fill("#catalogue-url", f"{serveur.url}/dcat.jsonld")
        page.fill("#catalogue-producteur", "Ville d'essai")
        page.select_option("#catalogue-niveau", "departement")
        page.fill("#catalogue-zone", "35")
        page.get_by_role("button", name="Inscrire le catalogue").click()
        expect(page.locator("#message-catalogues")).to_contain_text("Catalogue inscrit")
        row = page.locator("#catalogues tbody tr", has_text=serveur.url)
        row.get_by_role("button", name="Moissonner").click()
        expect(page.locator("#message-catalogues")).to_contain_text("Moisson demandée")
        for _ in range(40):  # the server's worker runs the job
            page.reload()
            if "réussie" in page.locator("#catalogues tbody tr", has_text=serveur.url).inner_text():
                break
            page.wait_for_timeout(250)
        row = page.locator("#catalogues tbody tr", has_text=serveur.url)
        expect(row).to_contain_text("réussie")
        expect(row).to_contain_text("36,4")  # 8 valid records of 22
        expect(row).to_contain_text("Département Ille-et-Vilaine (35)")  # the zone's name, not its code alone
        check_accessibility(page)
        screenshot(page, "catalogues-decp")
        row.get_by_role("link").first.click()
        expect(page.locator("#distributions")).to_contain_text("non valide")
        check_accessibility(page)
    page.goto("/commande-publique/couverture")
    expect(page.locator("#carte-couverture path.couverture-moissonne[data-code='35']")).to_have_count(1)
    expect(page.locator("#departements-couverts")).to_contain_text("Ille-et-Vilaine (35)")
    expect(page.locator("#zones-couverture")).to_contain_text("Département Ille-et-Vilaine (35) :")
    # the legend: each swatch on the line of its label
    tops = page.locator("#carte-couverture-legende .legende-element").evaluate_all(
        "els => els.map(e => [e.querySelector('.legende').getBoundingClientRect().top, e.getBoundingClientRect().top])"
    )
    assert tops and all(abs(swatch - item) < 12 for swatch, item in tops), tops
    check_accessibility(page)
    screenshot(page, "couverture-decp")
