"""Browser tests: the real app served by uvicorn on a loopback port, over a small generated demo
database (DuckDB, built by `dataetat demo` as `make demo` does), driven by Debian's Chromium through
Playwright. On CI (CI=true) a missing Chromium is a failure, never a skip.

Fixtures: `demo_settings` (Settings of the demo database), `live_server` (its base URL), `browser`,
`page` (base URL set: `page.goto("/")`), `browser_problems` (what `page` fails the test on).
Helpers to import: `from tests.e2e.browser import check_accessibility, screenshot, running_app`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from tests.e2e import comptes
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_ENV, CONTEXT_FR, running_app
from typer.testing import CliRunner

from dataetat.cli import app as cli
from dataetat.settings import Settings

DEMO_LIGNES = 3000  # generated AE + CP lines (seed fixed by the generator: same data every run)
LOOPBACK = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    if not CHROMIUM.exists():
        message = f"Chromium manque ({CHROMIUM}) : apt-get install chromium (`make test` l'installe quand on est root)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory) -> Settings:
    """A DuckDB database filled by `dataetat demo --lignes 3000 --no-serve` (the path of `make demo`)."""
    folder = tmp_path_factory.mktemp("e2e-demo")
    url = f"duckdb:///{folder / 'demo.duckdb'}"
    result = CliRunner().invoke(
        cli,
        ["demo", "--lignes", str(DEMO_LIGNES), "--out", str(folder / "fichiers"), "--no-serve"],
        env={"DATAETAT_DATABASE_URL": url},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return Settings(
        database_url=url,
        dossier_exports=folder / "exports",
        dossier_televersements=folder / "televersements",
        auth_developpement=True,  # no login; test_navigateur_connexion.py serves it with accounts
        secret_key="secret-de-test-e2e-" + "x" * 40,
    )


@pytest.fixture(scope="session")
def live_server(demo_settings) -> Iterator[str]:
    """Base URL of the app served over the demo database for the whole session."""
    with running_app(demo_settings) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium_executable) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_executable), args=CHROMIUM_ARGS, env=CHROMIUM_ENV
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_problems() -> list[str]:
    """What went wrong in the page, in French: uncaught JavaScript errors, static files answered 4xx/5xx,
    requests to another host than the app's (no CDN, no tracker). `page` fails the test if not empty;
    a test expecting one of these removes it from the list."""
    return []


@pytest.fixture
def page(browser, live_server, browser_problems) -> Iterator[Page]:
    """A fresh page (own context: no cookies shared between tests), French browser (CONTEXT_FR: fr-FR, 1440×900), whose
    relative URLs go to `live_server`."""
    context = browser.new_context(base_url=live_server, **CONTEXT_FR)

    def only_the_app(route: Route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOOPBACK:
            browser_problems.append(f"requête vers un autre hôte que l'application : {route.request.url}")
            route.abort()
        else:
            route.continue_()

    context.route("**/*", only_the_app)
    page = context.new_page()
    page.on("pageerror", lambda error: browser_problems.append(f"erreur JavaScript non rattrapée : {error}"))
    page.on(
        "response",
        lambda r: (
            browser_problems.append(f"fichier statique en erreur {r.status} : {r.url}")
            if r.status >= 400 and urlsplit(r.url).path.startswith("/static/")
            else None
        ),
    )
    yield page
    context.close()
    assert not browser_problems, "Problèmes dans la page :\n" + "\n".join(browser_problems)


@pytest.fixture(scope="session")
def accounts_server(demo_settings) -> Iterator[str]:
    """Base URL of the app served WITH accounts (login required) over the demo database, where
    tests/e2e/comptes.py put its accounts."""
    settings = demo_settings.model_copy(update={"auth_developpement": False})
    comptes.prepare(settings)
    with running_app(settings) as url:
        yield url


@pytest.fixture
def accounts_page(browser, accounts_server) -> Iterator[Page]:
    """A fresh page on `accounts_server` (not logged in); fails the test on a JavaScript error."""
    context = browser.new_context(base_url=accounts_server, **CONTEXT_FR)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors
