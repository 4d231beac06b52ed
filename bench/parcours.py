"""The newcomer's path, walked in a real browser at 1,440 px against a running `make demo`, with the
wait of each step (from the action to what the agent waits for, painted) and a screenshot of each
(bench/out/parcours/NN-step.png, to look at):

    make demo        # prints the demonstration accounts
    python bench/parcours.py --email comptable.53@… --mot-de-passe … [--base http://127.0.0.1:8000]

log in → search « département 35 » → group by programme → tableau dynamique → map → download the
lines as CSV → the upload page.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "out" / "parcours"
CHROMIUM = "/usr/bin/chromium"
ZONE = "niveau_geo=departement&code_geo=35"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--email", required=True)
    parser.add_argument("--mot-de-passe", required=True)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    steps: list[tuple[str, float]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True).new_page()

        def step(name: str, action, wait: str | None = None) -> None:
            start = time.perf_counter()
            action()
            if wait:
                page.wait_for_selector(wait, state="visible", timeout=120_000)
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            steps.append((name, time.perf_counter() - start))
            if page.locator("#resultats").count():  # the results, as the agent scrolls to them
                page.locator("#resultats").scroll_into_view_if_needed()
                page.evaluate("() => document.getElementById('resultats').scrollIntoView()")
            page.screenshot(path=str(OUT / f"{len(steps):02d}-{name.split(' ')[0]}.png"), full_page=False)

        def login() -> None:
            page.goto(args.base + "/connexion")
            page.fill("input[name=email]", args.email)
            page.fill("input[name=mot_de_passe]", args.mot_de_passe)
            page.click("button[type=submit]")
            page.wait_for_url(args.base + "/")

        step("connexion", login, "#recherche")
        step("recherche département 35", lambda: page.goto(f"{args.base}/?{ZONE}"), "#totaux")
        step(
            "groupes par programme",
            lambda: page.goto(f"{args.base}/?{ZONE}&grouper_par=programme_code&vue=groupes"),
            "#totaux",
        )
        step("tableau dynamique", lambda: page.goto(f"{args.base}/?{ZONE}&vue=tableau"), "#totaux")

        def carte() -> None:
            page.goto(f"{args.base}/?{ZONE}&vue=carte")
            page.wait_for_selector("[data-vue=carte][data-etat=dessinee]", state="attached", timeout=120_000)

        step("carte", carte)

        def download() -> None:
            page.goto(f"{args.base}/?{ZONE}")
            with page.expect_download(timeout=300_000) as wait:
                page.locator("section.exports a[download]").filter(has_text="CSV").first.click()
            wait.value.save_as(OUT / wait.value.suggested_filename)

        step("export CSV", download)
        step("page de chargement", lambda: page.goto(args.base + "/televersement"), "form")
        browser.close()
    for name, seconds in steps:
        print(f"{name:<28} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
