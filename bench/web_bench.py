"""Web benchmark (issue 4), in a real browser (Playwright driving Debian's Chromium) against
`dataetat serve` over the DuckDB bench file (10 M generated lines, see bench/import_bench.py):

- from a click on « Rechercher » to the table and its totals painted, over varied realistic searches
  (the random filters of bench/api_bench.py, typed into the form as its choices);
- the map redrawn after a filter change (in the map view, « Rechercher » → the new map painted);
- the map's first paint on a fresh page (issue 11 item 11): a new browser context (empty cache)
  opens a map page (search map national / on a département / on a région, territory pages),
  navigation start → map painted; then the same page again in that context (cached contours);
- the weight of the JavaScript and CSS of the search page (as sent, gzip, and uncompressed).

    python bench/web_bench.py [--duckdb-url duckdb:///bench/out/bench.duckdb] [--searches 100]
    python bench/web_bench.py --premier-affichage-seul     # only the map's first paint
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_bench import OUT, make, pct, pools, random_filters, served  # noqa: E402

CHROMIUM = "/usr/bin/chromium"

# SearchParams names (the API's) → the page's form fields.
FORM_LISTS = {
    "code_programme": "programmes",
    "code_geo": "code_geo",
    "beneficiaire_categorieJuridique_type": "types_beneficiaires",
    "centres_couts": "centres_couts",
    "tags": "tags",
    "domaine_fonctionnel": "domaines_fonctionnels",
}

# Sets the form's choices as a user would have (hidden inputs of the chosen tags, selects, boxes),
# then clicks « Rechercher » and resolves when htmx has swapped the results and the browser painted.
SEARCH_JS = """async (spec) => {
  const form = document.getElementById("recherche");
  for (const input of form.querySelectorAll("input[type=hidden]")) input.remove();
  for (const box of form.querySelectorAll("input[type=checkbox]")) box.checked = false;
  for (const select of form.querySelectorAll("select")) select.value = "";
  for (const [name, values] of Object.entries(spec.lists)) {
    for (const value of values) {
      if (name === "types_beneficiaires") {
        const box = form.querySelector(`input[name=types_beneficiaires][value="${value}"]`);
        if (box) box.checked = true;
        continue;
      }
      const input = document.createElement("input");
      Object.assign(input, { type: "hidden", name, value });
      form.append(input);
    }
  }
  for (const [name, value] of Object.entries(spec.selects)) form.elements[name].value = value;
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  let done;
  if (spec.carte) {
    // The map view stays: wait for the new map element drawn (or the page saying the result is empty).
    const old = document.getElementById("resultats");
    done = new Promise((resolve) => {
      const poll = () => {
        const results = document.getElementById("resultats");
        const map = results && results !== old && results.querySelector("[data-vue=carte]");
        if (results && results !== old && (map?.dataset.etat === "dessinee" || results.querySelector(".fr-alert--info")))
          resolve(Boolean(map));
        else requestAnimationFrame(poll);
      };
      poll();
    });
  } else {
    done = new Promise((resolve) =>
      document.body.addEventListener("htmx:afterSettle", () => resolve(true), { once: true }));
  }
  const start = performance.now();
  document.getElementById("bouton-rechercher").click();
  const drawn = await done;
  await frames();
  return drawn ? performance.now() - start : null;
}"""


def form_spec(f: dict, carte: bool = False) -> dict:
    lists = {FORM_LISTS[k]: [str(v) for v in f[k]] for k in FORM_LISTS if k in f}
    selects = {}
    if "niveau_geo" in f:
        selects["niveau_geo"] = f["niveau_geo"]
    if "annee" in f:
        selects["annee_min"], selects["annee_max"] = str(min(f["annee"])), str(max(f["annee"]))
    return {"lists": lists, "selects": selects, "carte": carte}


def page_query(f: dict) -> str:
    spec = form_spec(f)
    items = [(k, ",".join(v)) for k, v in spec["lists"].items()] + list(spec["selects"].items())
    return urlencode(items)


def bench_searches(page, base: str, searches: list[dict]) -> list[float]:
    page.goto(base + "/")
    page.evaluate(SEARCH_JS, form_spec({}))  # warm-up
    times = []
    for f in searches:
        times.append(page.evaluate(SEARCH_JS, form_spec(f)))
        assert page.locator("#totaux").count() == 1, page.url
    return times


def bench_map(page, base: str, searches: list[dict]) -> list[float]:
    """In the map view, a filter changed in the form and « Rechercher » → the new map painted (the
    map and its contours stay loaded between searches, as for a user). Empty results: not timed."""
    page.goto(base + "/?vue=carte")
    page.wait_for_selector("[data-vue=carte][data-etat=dessinee]", state="attached")
    times = [page.evaluate(SEARCH_JS, form_spec(f, carte=True)) for f in searches]
    return [t for t in times if t is not None]


# Map pages opened on a fresh page: national map (départements), a département (its communes), a
# région (its départements), a commune's territory page (communes), a département's territory page.
FIRST_PAINT_PAGES = [
    ("recherche, carte nationale (départements)", "/?vue=carte"),
    ("recherche, département 35 (communes)", "/?vue=carte&niveau_geo=departement&code_geo=35"),
    ("recherche, région 53 (départements)", "/?vue=carte&niveau_geo=region&code_geo=53"),
    ("recherche, communes de toute la France", "/?vue=carte&carte_niveau=commune"),
    ("fiche territoire commune 35238 (communes)", "/territoires/commune/35238"),
    ("fiche territoire département 29 (communes)", "/territoires/departement/29"),
]
PAINTED_JS = """() => { const m = document.querySelector("[data-vue=carte]");
  return m && (m.dataset.etat === "dessinee" || m.dataset.etat === "erreur") ? [performance.now(), m.dataset.etat] : null; }"""
# The national commune map: the level chosen in the map's own select (no URL parameter for it).
COMMUNE_LEVEL_JS = """() => { const s = document.getElementById("carte-niveau"); const m = document.querySelector("[data-vue=carte]");
  if (!s || m.dataset.etat !== "dessinee") return false;
  const t = performance.now(); s.value = "commune"; s.dispatchEvent(new Event("change")); window.__depuis = t; return true; }"""


def first_paint(browser, base: str, path: str, rounds: int) -> tuple[list[float], list[float], list[int]]:
    """(fresh, cached) ms from navigation start to the map painted, each round in a new context
    (empty cache); and the bytes of contours (/static/geo/, as sent) the fresh page received."""
    fresh, cached, geo_bytes = [], [], []
    for _ in range(rounds):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        received: list[int] = []

        def count(response, received=received) -> None:
            if "/static/geo/" in response.url and response.status == 200:
                received.append(response.request.sizes()["responseBodySize"])  # as sent (compressed)

        page.on("response", count)
        for times in (fresh, cached):
            national_communes = "carte_niveau=commune" in path
            page.goto(base + path.replace("&carte_niveau=commune", ""))
            if national_communes:  # the départements first, then the commune level chosen: from the click
                page.wait_for_function(COMMUNE_LEVEL_JS, polling="raf", timeout=120_000)
                page.wait_for_function(
                    "() => document.querySelector('[data-vue=carte]').dataset.niveau === 'commune'"
                    " && document.querySelector('[data-vue=carte]').dataset.etat === 'dessinee'",
                    polling="raf",
                    timeout=120_000,
                )
                times.append(page.evaluate("performance.now() - window.__depuis"))
            else:
                at, etat = page.wait_for_function(PAINTED_JS, polling="raf", timeout=120_000).json_value()
                assert etat == "dessinee", f"{path}: la carte n'a pas pu être affichée"
                times.append(at)
            if times is fresh:
                geo_bytes.append(sum(received))
        context.close()
    return fresh, cached, geo_bytes


def bench_first_paint(browser, base: str, rounds: int) -> None:
    for label, path in FIRST_PAINT_PAGES:
        fresh, cached, geo_bytes = first_paint(browser, base, path, rounds)
        report(f"premier affichage de la carte, page neuve — {label}", fresh, 1500)
        report(f"  même page, contours en cache — {label}", cached, 1500)
        print(
            f"    contours reçus par la page neuve : {statistics.median(geo_bytes) / 1e3:.0f} ko (tels qu'envoyés)"
        )


def page_weight(page, base: str) -> tuple[int, int]:
    """(uncompressed, gzip) bytes of the JavaScript and CSS the search page loads."""
    bodies: list[bytes] = []

    def keep(response) -> None:
        if response.request.resource_type in ("script", "stylesheet"):
            bodies.append(response.body())

    page.on("response", keep)
    page.goto(base + "/", wait_until="networkidle")
    page.remove_listener("response", keep)
    return sum(map(len, bodies)), sum(len(gzip.compress(b)) for b in bodies)


def report(label: str, ms: list[float], target: float) -> None:
    p50, p95 = statistics.median(ms), pct(ms, 95)
    verdict = "ok" if p95 <= target else "NOT MET"
    print(
        f"  {label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(ms):.0f} ms (n={len(ms)}) — cible p95 ≤ {target:.0f} ms {verdict}"
    )


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duckdb-url", default=f"duckdb:///{OUT / 'bench.duckdb'}")
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--maps", type=int, default=20)
    parser.add_argument("--region", default="53")
    parser.add_argument("--seed", type=int, default=53)
    parser.add_argument("--premiers-affichages", type=int, default=5, help="pages neuves par page de carte")
    parser.add_argument("--premier-affichage-seul", action="store_true")
    args = parser.parse_args()
    engine = make(args.duckdb_url, args.region)
    with engine.connect() as conn:
        p = pools(conn, args.region)
        total = conn.exec_driver_sql("SELECT count(*) FROM ligne").scalar_one()
    engine.dispose()
    rng = random.Random(args.seed)
    searches = [
        f
        for f in (random_filters(rng, p) for _ in range(2 * max(args.searches, args.maps)))
        if "theme" not in f
    ]
    searches = [{k: v for k, v in f.items() if k not in ("sort_by", "sort_order")} for f in searches]
    print(f"Web, {total:,} lignes (DuckDB), navigateur Chromium (Playwright)".replace(",", " "))
    with served(args.duckdb_url, args.region, OUT / "web_bench_serve.log") as base:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu"])
            bench_first_paint(browser, base, args.premiers_affichages)
            if args.premier_affichage_seul:
                browser.close()
                return
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            raw, packed = page_weight(page, base)
            print(
                f"  poids JS + CSS de la page de recherche : {raw / 1e6:.2f} Mo ({packed / 1e6:.2f} Mo compressé gzip) — cible ≤ 1 Mo {'ok' if raw <= 1e6 else 'compressé seulement' if packed <= 1e6 else 'NOT MET'}"
            )
            report(
                "« Rechercher » → tableau et totaux affichés",
                bench_searches(page, base, searches[: args.searches]),
                1000,
            )
            report(
                "carte redessinée après un changement de filtre",
                bench_map(page, base, searches[: args.maps]),
                1000,
            )
            browser.close()


if __name__ == "__main__":
    main()
