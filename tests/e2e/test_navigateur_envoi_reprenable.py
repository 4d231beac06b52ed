"""The upload page sends its files in chunks with a progress bar per file; a chunk whose connection
is cut is retried after a pause, from where the server says it stands; the AE + CP pair becomes one
import, whose report the page then shows. Screenshot of the progress during the cut."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Route, expect
from tests.e2e.browser import CONTEXT_FR, check_accessibility, running_app, screenshot
from tests.factories import ae_row, cp_row, write_ae, write_cp
from typer.testing import CliRunner

from dataetat.cli import app as cli
from dataetat.settings import Settings

MORCEAU = 16 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("envoi-reprenable")
    url = f"duckdb:///{folder / 'base.duckdb'}"
    result = CliRunner().invoke(
        cli, ["db", "init"], env={"DATAETAT_DATABASE_URL": url}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    settings = Settings(
        database_url=url,
        dossier_exports=folder / "exports",
        dossier_televersements=folder / "televersements",
        auth_developpement=True,
        secret_key="secret-de-test-e2e-" + "x" * 40,
        envoi_morceau_mo=MORCEAU / 1024 / 1024,
        enrichissement_apres_import=False,  # no outside service in this test
    )
    with running_app(settings) as base:
        yield base


@pytest.fixture
def envoi_page(browser, server) -> Iterator[Page]:
    context = browser.new_context(base_url=server, **CONTEXT_FR)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def test_chunks_with_progress_survive_a_cut(envoi_page: Page, tmp_path):
    page = envoi_page
    ae = write_ae(tmp_path / "Engagements 2023.csv", [ae_row(str(i), 1, f"{i}00") for i in range(1, 400)])
    cp = write_cp(tmp_path / "Paiements 2023.csv", [cp_row("1", 1, "7", "40")])
    assert ae.stat().st_size > 4 * MORCEAU
    puts: list[str] = []
    cut = threading.Event()

    def chunks(route: Route) -> None:
        if route.request.method != "PUT":
            route.continue_()
            return
        offset = route.request.headers.get("upload-offset")
        puts.append(offset)
        if offset == str(2 * MORCEAU) and not cut.is_set():
            cut.set()
            route.abort("connectionreset")  # the préfecture's network drops mid-upload
            return
        route.continue_()

    page.route(re.compile(r".*/televersement/envois/[0-9a-f]{32}/(ae|cp)$"), chunks)
    # the question « where do you stand? » after the cut is held until the screenshot is taken
    held: list[Route] = []

    finished = threading.Event()  # « terminer » answered: the first question after it is held too
    polled: list[Route] = []

    def state(route: Route) -> None:
        if cut.is_set() and not held:
            held.append(route)
        elif finished.is_set() and not polled:
            polled.append(route)
        else:
            route.continue_()

    def terminer(route: Route) -> None:
        response = route.fetch()
        terminated.append((response.status, response.headers.get("location")))
        finished.set()
        route.fulfill(response=response)

    terminated: list[tuple[int, str | None]] = []
    page.route(re.compile(r".*/televersement/envois/[0-9a-f]{32}/terminer$"), terminer)

    page.route(re.compile(r".*/televersement/envois/[0-9a-f]{32}$"), state)
    page.goto("/televersement")
    page.set_input_files("#fichier-ae", ae)
    page.set_input_files("#fichier-cp", cp)
    page.select_option("#televersement-region", "53")
    page.select_option("#televersement-annee", "2023")
    page.get_by_role("button", name="Charger et importer").click()

    status = page.locator("#envoi-statut")
    expect(status).to_contain_text("Connexion interrompue : reprise dans 1\u00a0s", timeout=10_000)
    page.wait_for_timeout(1500)  # the pause is over: the question is held
    assert held, "la reprise n'a pas demandé au serveur où il en était"
    expect(page.locator("#envoi-barre-ae")).to_have_js_property("value", 2 * MORCEAU)
    expect(page.locator("label[for=envoi-barre-ae]")).to_contain_text("32\u00a0Ko sur ")
    expect(page.locator("label[for=envoi-barre-cp]")).to_contain_text("0\u00a0Ko sur ")
    screenshot(page, "televersement-envoi-coupe")
    check_accessibility(page)
    held[0].continue_()

    # « terminer » answers at once (202 and where to ask); the page says the assembly is under way
    expect(status).to_contain_text("Fichiers reçus : assemblage", timeout=30_000)
    page.wait_for_timeout(1500)  # the next question is held: the panel stays as it is
    assert terminated and terminated[0][0] == 202 and terminated[0][1].startswith("/televersement/envois/")
    expect(page.locator("#envoi-barre-ae")).to_have_js_property("value", ae.stat().st_size)
    screenshot(page, "televersement-envoi-assemblage")
    polled[0].continue_()

    expect(page).to_have_url(re.compile(r"/televersement/\d+$"), timeout=30_000)
    expect(page.get_by_role("heading", name=re.compile("Import réussi"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Engagements 2023.csv").first).to_be_visible()
    expect(page.get_by_text("Paiements 2023.csv").first).to_be_visible()
    screenshot(page, "televersement-envoi-reprenable-rapport")
    # the chunk cut was sent again from its offset, and no chunk was skipped
    ae_offsets = [int(o) for o in puts if o is not None]
    assert ae_offsets.count(2 * MORCEAU) == 2
