// Charts of the current search ("Graphiques" view). ECharts (1 MB) is loaded here, on demand, so the
// other views never download it. Each chart: a section with a title, the chart (described for screen
// readers, patterns as well as colours), PNG and CSV downloads, and its data as a table.
import { euros, eurosCompacts, nombre } from "/static/app/formats.js";

const ECHARTS = "/static/vendor/echarts/echarts.min.js";
const BLEU_FRANCE = "#000091";
const ORANGE = "#b34000"; // DSFR warning colour: 5.6:1 on white, unlike blue in hue and lightness
// Patterns, so that AE and CP differ without colour: diagonal stripes, then dots.
const DECALS = [
  { color: "rgba(255, 255, 255, 0.45)", dashArrayX: [1, 0], dashArrayY: [3, 5], rotation: -Math.PI / 4 },
  { symbol: "circle", color: "rgba(255, 255, 255, 0.6)", symbolSize: 0.7, dashArrayX: [[5, 3]], dashArrayY: [5, 3] },
];

// key, grouping column, title, first column of its table, top-N size (null: every group, by code).
const CHARTS = [
  { key: "annees", colonne: "annee", entete: "Année", top: null,
    titre: "Montants engagés (AE) et payés (CP) par année" },
  { key: "programmes", colonne: "programme_code", entete: "Programme", top: 10,
    titre: "Les 10 programmes qui engagent le plus (AE)" },
  { key: "beneficiaires", colonne: "beneficiaire_code", entete: "Bénéficiaire", top: 10,
    titre: "Les 10 bénéficiaires qui reçoivent le plus (AE)" },
  { key: "types", colonne: "beneficiaire_categorie_juridique_type", entete: "Type de bénéficiaire", top: 10,
    titre: "Montants par type de bénéficiaire" },
  { key: "themes", colonne: "programme_theme", entete: "Thème", top: 10, titre: "Montants par thème" },
];

let loading = null;

function loadEcharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = ECHARTS;
    script.onload = () => resolve(window.echarts);
    script.onerror = () => {
      loading = null;
      script.remove();
      reject(new Error("La bibliothèque de graphiques n'a pas pu être chargée."));
    };
    document.head.append(script);
  });
  return loading;
}

// The API query of one chart: the search (and its opened drill-down path), grouped one level deeper.
function query(api, colonne, pageSize) {
  const params = new URLSearchParams(api);
  for (const name of ["sort_by", "sort_order", "colonnes", "page", "page_size"]) params.delete(name);
  const grouping = params.get("grouping");
  params.set("grouping", grouping ? `${grouping},${colonne}` : colonne);
  if (pageSize) params.set("page_size", String(pageSize));
  return params.toString();
}

async function fetchGroups(api, chart) {
  const response = await fetch(`/api/v1/lignes?${query(api, chart.colonne, chart.top ?? 100)}`, {
    headers: { Accept: "application/json" },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.erreur?.message || `Le serveur a répondu ${response.status}.`);
  const groupes = body.groupes.map((g) => ({
    // A group without code shows its name alone (the API writes "None - name").
    label: g.code == null && g.label.startsWith("None - ") ? g.label.slice(7) : g.label,
    code: g.code, count: g.count, ae: g.montant_ae, cp: g.montant_cp,
  }));
  if (!chart.top) groupes.sort((a, b) => (a.code ?? Infinity) - (b.code ?? Infinity));
  return { groupes, total: body.total, hasNext: body.has_next, filtres: body.filtres || [] };
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function description(chart, data) {
  const kind = chart.top ? "Graphique en barres horizontales" : "Graphique en barres";
  const items = data.groupes.map((g) => `${g.label} : AE ${euros.format(g.ae)}, CP ${euros.format(g.cp)}`);
  const more = data.hasNext ? " Les autres groupes ne sont pas représentés." : "";
  const series = "deux séries : montant engagé (AE) et montant payé (CP)";
  return `${chart.titre}. ${kind}, ${series}. ${items.join(" ; ")}.${more}`;
}

// The tooltip as DOM nodes: ECharts' default HTML has style attributes, which the CSP refuses.
function tooltip(points) {
  const rows = points.map((p) => {
    const pastille = el("span", { class: "graphique__pastille", "aria-hidden": "true" });
    pastille.style.backgroundColor = [BLEU_FRANCE, ORANGE][p.seriesIndex]; // CSSOM: allowed by the CSP
    return el("p", {}, pastille, `${p.seriesName} : `, el("strong", {}, euros.format(p.value)));
  });
  return el("div", { class: "graphique__infobulle" }, el("p", {}, points[0]?.name ?? ""), ...rows);
}

function options(chart, data) {
  const labels = data.groupes.map((g) => g.label);
  const horizontal = Boolean(chart.top);
  const categories = {
    type: "category", data: labels, inverse: horizontal,
    axisLabel: horizontal ? { width: 190, overflow: "truncate", color: "#161616" } : { color: "#161616" },
  };
  const values = {
    type: "value", axisLabel: { formatter: (v) => eurosCompacts.format(v), color: "#161616" },
  };
  const bars = (name, key) => ({
    name, type: "bar", data: data.groupes.map((g) => g[key]), barMaxWidth: 28,
    emphasis: { focus: "series" },
  });
  return {
    color: [BLEU_FRANCE, ORANGE],
    textStyle: { fontFamily: "Marianne, arial, sans-serif" },
    aria: { enabled: true, label: { description: description(chart, data) }, decal: { show: true, decals: DECALS } },
    animation: false,
    legend: { top: 0, textStyle: { color: "#161616" } },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: tooltip },
    xAxis: horizontal ? values : categories,
    yAxis: horizontal ? categories : values,
    series: [bars("Montant engagé (AE)", "ae"), bars("Montant payé (CP)", "cp")],
  };
}

// The chart as a PNG that stands alone: its title and the filters of the search drawn above it.
function picture(instance, chart, data) {
  const filters = data.filtres.length ? `Filtres : ${data.filtres.join(" ; ")}` : "Toutes les lignes visibles";
  const width = instance.getWidth() - 32;
  instance.setOption({
    title: {
      text: chart.titre, subtext: `${filters} — Data-État`, left: 16, top: 4,
      textStyle: { color: "#161616", fontSize: 16, width, overflow: "truncate" },
      subtextStyle: { color: "#3a3a3a", width, overflow: "truncate" },
    },
    legend: { top: 56 }, grid: { top: 92 },
  });
  const url = instance.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
  instance.setOption({ title: { text: "", subtext: "" }, legend: { top: 0 }, grid: { top: 36 } });
  return url;
}

function amountCell(tag, value, attributes = {}) {
  return el(tag, { class: "montant", "data-valeur": String(value), ...attributes }, euros.format(value));
}

function dataTable(chart, data) {
  const head = el("tr", {},
    ...["", "Lignes", "Montant engagé (AE)", "Montant payé (CP)"].map((t, i) =>
      el("th", { scope: "col", ...(i > 0 ? { class: "montant" } : {}) }, t || chart.entete)));
  const row = (label, count, ae, cp, attributes = {}) =>
    el("tr", attributes, el("th", { scope: "row" }, label),
      el("td", { class: "montant" }, nombre.format(count)), amountCell("td", ae), amountCell("td", cp));
  const rows = data.groupes.map((g) => row(g.label, g.count, g.ae, g.cp));
  const sum = (key) => data.groupes.reduce((s, g) => s + g[key], 0);
  if (data.hasNext) {
    const t = data.total;
    rows.push(row(`Les autres (au-delà des ${data.groupes.length} premiers)`, t.count - sum("count"),
      t.montant_ae - sum("ae"), t.montant_cp - sum("cp"), { class: "graphique__autres" }));
  }
  const t = data.total;
  const foot = el("tr", {}, el("th", { scope: "row" }, "Total de la recherche"),
    el("td", { class: "montant" }, nombre.format(t.count)),
    amountCell("td", t.montant_ae), amountCell("td", t.montant_cp));
  return el("div", { class: "fr-table fr-table--no-caption fr-mb-0" },
    el("table", {}, el("caption", {}, `Données : ${chart.titre.toLowerCase()}`),
      el("thead", {}, head), el("tbody", {}, ...rows), el("tfoot", {}, foot)));
}

function accordion(id, content) {
  return el("section", { class: "fr-accordion fr-mt-2w" },
    el("h4", { class: "fr-accordion__title" },
      el("button", { type: "button", class: "fr-accordion__btn", "aria-expanded": "false", "aria-controls": id },
        "Voir les données")),
    el("div", { class: "fr-collapse", id }, content));
}

function section(chart, data, api) {
  const id = `graphique-${chart.key}`;
  const hidden = (text) => el("span", { class: "fr-sr-only" }, ` — ${text}`);
  const canvas = el("div", {
    class: "graphique__dessin", id: `${id}-dessin`, role: "img", "data-graphique": chart.key,
  });
  const png = el("button", { type: "button", class: "fr-btn fr-btn--sm fr-btn--secondary", "data-png": chart.key },
    "Télécharger l'image (PNG)", hidden(chart.titre));
  const csv = el("a", {
    class: "fr-btn fr-btn--sm fr-btn--tertiary",
    href: `/api/v1/exports/groupes.csv?${query(api, chart.colonne)}`,
    download: `graphique-${chart.key}.csv`, "hx-boost": "false", "data-csv": chart.key,
  }, "Télécharger les données (CSV)", hidden(chart.titre));
  const note = data.hasNext
    ? el("p", { class: "fr-text--sm fr-mb-1w" },
      `Les ${data.groupes.length} premiers par montant engagé ; le fichier CSV les donne tous.`)
    : "";
  const node = el("section", { class: "graphique fr-mb-3w", "aria-labelledby": `${id}-titre`, id },
    el("h3", { class: "fr-h5", id: `${id}-titre` }, chart.titre), note, canvas,
    el("ul", { class: "fr-btns-group fr-btns-group--inline fr-btns-group--sm fr-mt-2w fr-mb-0" },
      el("li", {}, png), el("li", {}, csv)),
    accordion(`${id}-donnees`, dataTable(chart, data)));
  return { node, canvas, png };
}

function message(element, kind, title, text) {
  element.replaceChildren(el("div", { class: `fr-alert fr-alert--${kind} fr-mt-2w` },
    el("h3", { class: "fr-alert__title" }, title), el("p", {}, text)));
}

function download(url, name) {
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

export async function init(element) {
  const api = element.dataset.api || "";
  element.setAttribute("aria-busy", "true");
  element.replaceChildren(el("p", { class: "graphiques__chargement", role: "status" }, "Chargement des graphiques…"));
  let echarts, results;
  try {
    [echarts, results] = await Promise.all([
      loadEcharts(), Promise.all(CHARTS.map((chart) => fetchGroups(api, chart))),
    ]);
  } catch (error) {
    element.removeAttribute("aria-busy");
    message(element, "error", "Les graphiques n'ont pas pu être affichés", error.message);
    return;
  }
  element.removeAttribute("aria-busy");
  if (results[0].total.count === 0) {
    message(element, "info", "Aucune ligne à représenter",
      "Aucune ligne ne correspond à cette recherche : élargissez-la pour voir des graphiques.");
    return;
  }
  const grid = el("div", { class: "graphiques fr-mt-3w" });
  element.replaceChildren(el("p", { class: "fr-sr-only", role: "status" }, "Graphiques affichés."), grid);
  const instances = CHARTS.map((chart, i) => {
    const { node, canvas, png } = section(chart, results[i], api);
    if (chart.top) canvas.classList.add("graphique__dessin--haut");
    grid.append(node);
    const instance = echarts.init(canvas, null, { renderer: "canvas" });
    instance.setOption(options(chart, results[i]));
    canvas.setAttribute("aria-label", description(chart, results[i]));
    png.addEventListener("click", () => download(picture(instance, chart, results[i]), `graphique-${chart.key}.png`));
    return instance;
  });
  // Follow the window; once htmx has swapped the view away, free the charts.
  const resize = () => {
    if (element.isConnected) instances.forEach((instance) => instance.resize());
    else release();
  };
  const release = () => {
    if (element.isConnected) return;
    window.removeEventListener("resize", resize);
    document.removeEventListener("htmx:afterSettle", release);
    instances.forEach((instance) => instance.dispose());
  };
  window.addEventListener("resize", resize);
  document.addEventListener("htmx:afterSettle", release);
}
