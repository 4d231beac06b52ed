"""Helpers of the browser tests: serve the real app on a loopback port, check a page with axe-core,
save screenshots. The fixtures that use them are in conftest.py beside this file."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from playwright.sync_api import Page
from tests.serving import serve_in_thread

import dataetat.web
from dataetat.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package `chromium`, never a browser downloaded by Playwright
# Flags for a closed network: without them Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    # French UI of the browser itself (file inputs, date pickers, validation bubbles): with Debian's
    # package `chromium-l10n`. On Linux Chromium takes its UI language from LANGUAGE (CHROMIUM_ENV);
    # --lang alone is not enough there.
    "--lang=fr-FR",
]
# Environment of the browser process: this process's, with the language of the UI set to French.
CHROMIUM_ENV = {**os.environ, "LANGUAGE": "fr_FR:fr"}
# Every browser context of the tests: a French user (navigator.language, Intl, Accept-Language) on a
# 1,440 px wide screen.
CONTEXT_FR = {
    "locale": "fr-FR",
    "extra_http_headers": {"Accept-Language": "fr-FR,fr;q=0.9"},
    "viewport": {"width": 1440, "height": 900},
}
# What Chromium says of an empty required field when its UI is French (English without chromium-l10n).
VALIDATION_FR = "Veuillez renseigner ce champ."
STATIC = Path(dataetat.web.__file__).resolve().parent / "static"
AXE = STATIC / "vendor" / "axe-core" / "axe.min.js"
AXE_FR = STATIC / "vendor" / "axe-core" / "fr.json"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SERIOUS = ("serious", "critical")
_IMPACT_FR = {"minor": "mineure", "moderate": "modérée", "serious": "grave", "critical": "critique"}


def running_app(settings: Settings, *, timeout: float = 30) -> AbstractContextManager[str]:
    """Serve `create_app(settings)` on a free loopback port (tests/serving.py); yields its base URL."""
    return serve_in_thread(settings, timeout=timeout)


def check_accessibility(page: Page, *, exclude: Sequence[str] = ()) -> None:
    """Run axe-core (French messages) on the page as it is now; fail on any violation of impact
    serious or critical, listed in French. `exclude`: CSS selectors of parts to leave out (for
    example a map canvas drawn by a third-party library)."""
    # A <script src> served by the app: an inline script (add_script_tag(path=…)) breaks the CSP.
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    violations = page.evaluate(
        """async ([locale, exclude]) => {
            axe.configure({ locale });
            const context = exclude.length ? { include: [document], exclude: exclude.map((s) => [s]) } : document;
            const result = await axe.run(context, { resultTypes: ["violations"] });
            return result.violations;
        }""",
        [json.loads(AXE_FR.read_text(encoding="utf-8")), list(exclude)],
    )
    serious = [v for v in violations if v.get("impact") in SERIOUS]
    assert not serious, describe_violations(page.url, serious)


def describe_violations(url: str, violations: list[dict]) -> str:
    """axe-core's violations as a French list: rule, impact, help, then each element and what to fix."""
    lines = [f"Accessibilité : {len(violations)} règle(s) non respectée(s), graves ou critiques, sur {url}"]
    for v in violations:
        impact = _IMPACT_FR.get(v.get("impact") or "", v.get("impact"))
        lines.append(f"- [{impact}] {v['id']} : {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            lines.append(f"    élément {' '.join(map(str, node['target']))}")
            lines.append(f"      {node['html'][:200]}")
            for summary in (node.get("failureSummary") or "").splitlines():
                lines.append(f"      {summary.strip()}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … et {len(v['nodes']) - 10} autre(s) élément(s).")
    return "\n".join(lines)


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as tests/e2e/screenshots/NAME.png (gitignored); return the path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name).strip('-')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
