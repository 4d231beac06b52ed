// Data-État pages: small behaviours on top of server-rendered HTML and htmx (no inline script).
import { initChoix } from "/static/app/choix.js";

// Views drawn in the browser, loaded only when shown (their libraries are heavy).
const VIEWS = { carte: "/static/app/carte.js", graphiques: "/static/app/graphiques.js" };

function initViews(root) {
  for (const el of root.querySelectorAll("[data-vue]")) {
    const module = VIEWS[el.dataset.vue];
    if (module && !el.dataset.ready) {
      el.dataset.ready = "1";
      import(module).then((m) => m.init(el));
    }
  }
}

function initColumns(root) {
  for (const panel of root.querySelectorAll("[data-colonnes]")) {
    panel.addEventListener("click", (event) => {
      const item = event.target.closest(".colonnes__item");
      if (event.target.matches("[data-monter]") && item.previousElementSibling) {
        item.parentNode.insertBefore(item, item.previousElementSibling);
        event.target.focus();
      } else if (event.target.matches("[data-descendre]") && item.nextElementSibling) {
        item.parentNode.insertBefore(item.nextElementSibling, item);
        event.target.focus();
      } else if (event.target.matches("[data-colonnes-appliquer]")) {
        const chosen = [...panel.querySelectorAll(".colonnes__item input:checked")].map((i) => i.value);
        const url = new URL(panel.dataset.url, location.href);
        if (chosen.length) url.searchParams.set("colonnes", chosen.join(","));
        htmx.ajax("GET", url.pathname + url.search, { target: "#resultats", select: "#resultats", swap: "outerHTML" })
          .then(() => history.pushState({}, "", url.pathname + url.search));
      }
    });
  }
}

function initExportJobs(root) {
  for (const button of root.querySelectorAll("[data-export-tache]")) {
    button.addEventListener("click", async () => {
      const message = document.getElementById("export-message");
      const response = await fetch(button.dataset.exportTache, { method: "POST" });
      const body = await response.json();
      message.textContent = response.ok
        ? `Export en préparation (${body.libelle}) : il apparaîtra dans « Mes exports ».`
        : body.erreur.message;
      if (response.ok) {
        const link = document.createElement("a");
        link.href = "/exports";
        link.className = "fr-link fr-ml-1w";
        link.textContent = "Ouvrir « Mes exports »";
        message.append(link);
      }
    });
  }
}

// A group unfolds in place (htmx loads its rows after it) and folds back (its rows removed).
document.addEventListener("htmx:beforeRequest", (event) => {
  const button = event.detail.elt;
  if (!button.matches?.(".groupe__deplier") || button.getAttribute("aria-expanded") !== "true") return;
  event.preventDefault();
  const prefix = `${button.dataset.chemin},`;
  for (const row of document.querySelectorAll("tr[data-chemin]")) {
    if (row.dataset.chemin.startsWith(prefix)) row.remove();
  }
  button.setAttribute("aria-expanded", "false");
});
document.addEventListener("htmx:afterRequest", (event) => {
  const button = event.detail.elt;
  if (button.matches?.(".groupe__deplier") && event.detail.successful) button.setAttribute("aria-expanded", "true");
});

function init(root) {
  initChoix(root);
  initViews(root);
  initColumns(root);
  initExportJobs(root);
}

// Empty fields make no parameter: the URL (pushed by htmx) stays the search, nothing more.
document.addEventListener("htmx:configRequest", (event) => {
  const params = event.detail.parameters;
  for (const key of [...(params.keys ? params.keys() : Object.keys(params))]) {
    const values = params.getAll ? params.getAll(key) : [params[key]];
    if (values.every((v) => v === "")) params.delete ? params.delete(key) : delete params[key];
  }
});

document.addEventListener("click", async (event) => {
  if (!event.target.matches("[data-copier-lien]")) return;
  await navigator.clipboard.writeText(location.href).catch(() => {});
  document.getElementById("lien-copie").textContent = "Lien de la recherche copié.";
  event.target.textContent = "Lien copié";
});

document.addEventListener("htmx:afterSettle", (event) => init(event.detail.elt));
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => init(document));
else init(document);
