// Data QPV page (templates/qpv.html): charts drawn from the tables the server wrote (the tables stay,
// as the accessible alternative), and the map of the QPVs of the search (MapLibre GL, no tile server:
// QPV contours coloured by amount, a circle proportional to the amount at each centre, département
// outlines shipped in /static/geo/ for context). The zone of the search is outlined and zoomed to.
import { bounds, chosenZone, drawZone, layer, zoneFeatures } from "/static/app/contours.js";
import { eurosArrondis, eurosCompacts, pourcent } from "/static/app/formats.js";

const ECHARTS = "/static/vendor/echarts/echarts.min.js";
const MAPLIBRE = "/static/vendor/maplibre-gl/maplibre-gl";
// DSFR illustrative colours (bleu France first), then patterns so that slices differ without colour.
const PALETTE = ["#000091", "#009081", "#ce614a", "#a558a0", "#c3992a", "#417dc4", "#e1000f", "#7d4e5b", "#009099", "#465f9d", "#fcc63a", "#6a6af4"];
const DECALS = [
  { color: "rgba(255, 255, 255, 0.45)", dashArrayX: [1, 0], dashArrayY: [3, 5], rotation: -Math.PI / 4 },
  { symbol: "circle", color: "rgba(255, 255, 255, 0.6)", symbolSize: 0.7, dashArrayX: [[5, 3]], dashArrayY: [5, 3] },
  { color: "rgba(255, 255, 255, 0.45)", dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: Math.PI / 4 },
];
const COULEURS = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]; // ColorBrewer Blues, light → dark
const ATTRIBUTION = "Contours : ANCT (quartiers prioritaires), IGN ADMIN EXPRESS (départements) — Licence Ouverte 2.0";

function load(src, global, css) {
  if (window[global]) return Promise.resolve(window[global]);
  return new Promise((resolve, reject) => {
    if (css) document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: css }));
    const script = Object.assign(document.createElement("script"), { src });
    script.onload = () => resolve(window[global]);
    script.onerror = () => reject(new Error(`${src} n'a pas pu être chargé.`));
    document.head.append(script);
  });
}
let echartsLoading = null;
const echartsLib = () => (echartsLoading ??= load(ECHARTS, "echarts"));

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c != null));
  return node;
}

// --- Charts ----------------------------------------------------------------------------------

function tableData(table) {
  return [...table.querySelectorAll("tbody tr")].map((tr) => ({
    label: tr.querySelector("th").textContent.trim(),
    value: Number(tr.querySelector("[data-valeur]").dataset.valeur),
  }));
}

function chartOptions(type, data) {
  const base = {
    color: PALETTE,
    textStyle: { fontFamily: "Marianne, arial, sans-serif" },
    aria: { enabled: true, decal: { show: true, decals: DECALS } },
    tooltip: { trigger: type === "anneau" ? "item" : "axis", valueFormatter: (v) => eurosArrondis.format(v) },
    animation: false,
  };
  if (type === "anneau") {
    return { ...base, legend: { type: "scroll", bottom: 0 },
      series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "44%"], avoidLabelOverlap: true, label: { show: false },
        data: data.map((d) => ({ name: d.label, value: d.value })) }] };
  }
  if (type === "barres") {
    const top = data.slice(0, 12).reverse(); // the largest at the top
    return { ...base, grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: (v) => eurosCompacts.format(v) } },
      yAxis: { type: "category", data: top.map((d) => (d.label.length > 32 ? d.label.slice(0, 31) + "…" : d.label)) },
      series: [{ type: "bar", data: top.map((d) => d.value), itemStyle: { color: PALETTE[0] } }] };
  }
  return { ...base, grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.map((d) => d.label) },
    yAxis: { type: "value", axisLabel: { formatter: (v) => eurosCompacts.format(v) } },
    series: [{ type: "line", data: data.map((d) => d.value), symbolSize: 8, itemStyle: { color: PALETTE[0] } }] };
}

const charts = [];

async function drawCharts(panel) {
  if (!panel || panel.dataset.dessine) return;
  panel.dataset.dessine = "1";
  try {
    const echarts = await echartsLib();
    for (const figure of panel.querySelectorAll("[data-graphique]")) {
      const node = figure.querySelector(".qpv-graphique");
      const table = figure.querySelector("table[data-donnees]");
      if (!node || !table) continue;
      node.hidden = false;
      const chart = echarts.init(node, null, { renderer: "canvas" });
      chart.setOption(chartOptions(figure.dataset.graphique, tableData(table)));
      charts.push(chart);
    }
    panel.dataset.graphiques = "dessines"; // read by the browser test
  } catch (error) {
    panel.dataset.graphiques = "erreur";
    panel.prepend(el("p", { className: "fr-error-text", textContent: `Les graphiques n'ont pas pu être affichés : ${error.message}` }));
  }
}

function initTabs() {
  const selected = () => document.querySelector(".qpv-onglets .fr-tabs__panel--selected");
  drawCharts(selected());
  for (const tab of document.querySelectorAll(".qpv-onglets [role=tab]")) {
    // The DSFR shows the panel after the click: draw once it has a size.
    tab.addEventListener("click", () => setTimeout(() => drawCharts(document.getElementById(tab.getAttribute("aria-controls"))), 50));
  }
  let timer;
  window.addEventListener("resize", () => { clearTimeout(timer); timer = setTimeout(() => charts.forEach((c) => c.resize()), 100); });
}

// --- Map -------------------------------------------------------------------------------------

function quantiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const k = Math.min(COULEURS.length, new Set(sorted).size);
  const breaks = [];
  for (let i = 1; i < k; i++) {
    const b = sorted[Math.floor((i * sorted.length) / k)];
    if (b > sorted[0] && !breaks.includes(b)) breaks.push(b);
  }
  return breaks;
}

function extent(features) {
  let [x0, y0, x1, y1] = [180, 90, -180, -90];
  const walk = (c) => {
    if (typeof c[0] === "number") { x0 = Math.min(x0, c[0]); y0 = Math.min(y0, c[1]); x1 = Math.max(x1, c[0]); y1 = Math.max(y1, c[1]); } else c.forEach(walk);
  };
  for (const f of features) {
    if (f.geometry) walk(f.geometry.coordinates);
    if (f.properties.longitude != null) walk([f.properties.longitude, f.properties.latitude]);
  }
  return x0 <= x1 ? [[x0, y0], [x1, y1]] : null;
}

function colourOf(classe, k) {
  return COULEURS[k === 1 ? COULEURS.length - 1 : Math.round((classe * (COULEURS.length - 1)) / (k - 1))];
}

function legend(node, breaks, features, max) {
  const k = breaks.length + 1;
  const classes = Array.from({ length: k }, () => ({ min: Infinity, max: -Infinity, n: 0 }));
  for (const f of features) {
    const c = classes[f.properties.classe];
    c.min = Math.min(c.min, f.properties.montant); c.max = Math.max(c.max, f.properties.montant); c.n += 1;
  }
  const items = classes.map((c, i) => [c, i]).filter(([c]) => c.n).map(([c, i]) => {
    const swatch = el("span", { className: "qpv-carte__pastille" });
    swatch.style.background = colourOf(i, k);
    const range = c.min === c.max ? eurosArrondis.format(c.min) : `de ${eurosArrondis.format(c.min)} à ${eurosArrondis.format(c.max)}`;
    return el("li", { className: "qpv-carte__classe" }, swatch, `${range} (${c.n} quartier${c.n > 1 ? "s" : ""})`);
  });
  const circle = el("span", { className: "qpv-carte__rond" });
  Object.assign(circle.style, { width: "1.5rem", height: "1.5rem" });
  items.push(el("li", { className: "qpv-carte__classe" }, circle, `cercle proportionnel au montant (le plus grand : ${eurosArrondis.format(max)})`));
  node.replaceChildren(el("p", { className: "fr-text--bold fr-mb-1w", textContent: "Montant engagé (AE) par quartier" }), el("ul", { className: "qpv-carte__classes" }, ...items));
}

async function drawMap(element) {
  const status = element.querySelector(".qpv-carte__etat");
  const box = element.querySelector(".qpv-carte__boite");
  if (!box) return;
  element.dataset.etat = "chargement";
  try {
    const zone = chosenZone(element.dataset.api);
    const [lib, body, departements, zoneGeo] = await Promise.all([
      load(`${MAPLIBRE}.js`, "maplibregl", `${MAPLIBRE}.css`),
      fetch(`/api/v1/qpv/carte${element.dataset.api ? "?" + element.dataset.api : ""}`, { headers: { Accept: "application/json" } }).then(async (r) => {
        const json = await r.json();
        if (!r.ok) throw new Error(json?.erreur?.message || `Erreur ${r.status}`);
        return json;
      }),
      layer("departement"),
      zoneFeatures(zone),
    ]);
    const features = body.features;
    const values = features.map((f) => f.properties.montant);
    const max = Math.max(...values, 0);
    const breaks = quantiles(values);
    const k = breaks.length + 1;
    for (const f of features) {
      f.properties.classe = breaks.filter((b) => b <= f.properties.montant).length;
      f.properties.couleur = colourOf(f.properties.classe, k);
      f.properties.rayon = max > 0 ? 5 + 25 * Math.sqrt(Math.max(f.properties.montant, 0) / max) : 5;
    }
    const contours = { type: "FeatureCollection", features: features.filter((f) => f.geometry) };
    const centres = { type: "FeatureCollection", features: features.filter((f) => f.properties.longitude != null).map((f) => ({
      type: "Feature", id: f.id, properties: f.properties, geometry: { type: "Point", coordinates: [f.properties.longitude, f.properties.latitude] } })) };
    const tooltip = el("div", { className: "qpv-carte__info", hidden: true, role: "tooltip" });
    box.append(tooltip);
    const map = new lib.Map({
      container: box, center: [2.4, 46.6], zoom: 4.6, minZoom: 3, attributionControl: false, fadeDuration: 0,
      style: { version: 8, sources: {}, layers: [{ id: "fond", type: "background", paint: { "background-color": "#fbfbfb" } }] },
      locale: { "Map.Title": "Carte des quartiers financés (les mêmes chiffres sont dans le tableau qui suit)", "NavigationControl.ZoomIn": "Zoomer", "NavigationControl.ZoomOut": "Dézoomer", "AttributionControl.ToggleAttribution": "Afficher ou masquer les sources" },
    });
    map.addControl(new lib.NavigationControl({ showCompass: false }));
    map.addControl(new lib.AttributionControl({ compact: true, customAttribution: ATTRIBUTION }));
    await new Promise((resolve) => map.once("load", resolve));
    map.addSource("departements", { type: "geojson", data: departements });
    map.addLayer({ id: "departements", type: "line", source: "departements", paint: { "line-color": "#929292", "line-width": 0.8 } });
    map.addSource("qpv", { type: "geojson", data: contours, promoteId: "code" });
    map.addLayer({ id: "qpv-fond", type: "fill", source: "qpv", paint: { "fill-color": ["get", "couleur"], "fill-opacity": 0.85 } });
    map.addLayer({ id: "qpv-bord", type: "line", source: "qpv", paint: { "line-color": "#000091", "line-width": 1 } });
    map.addSource("centres", { type: "geojson", data: centres, promoteId: "code" });
    map.addLayer({ id: "qpv-cercles", type: "circle", source: "centres", paint: {
      "circle-radius": ["get", "rayon"], "circle-color": "rgba(0, 0, 145, 0.22)", "circle-stroke-color": "#000091", "circle-stroke-width": 1.5 } });
    for (const layer of ["qpv-fond", "qpv-cercles"]) {
      map.on("mousemove", layer, (e) => {
        const p = e.features[0].properties;
        tooltip.replaceChildren(el("strong", { textContent: `${p.label} (${p.code})` }), el("br"),
          `Montant engagé : ${eurosArrondis.format(p.montant)}`, el("br"), `${pourcent.format(p.part)} du total ; ${p.actions} action${p.actions > 1 ? "s" : ""}`);
        Object.assign(tooltip.style, { left: `${e.point.x + 12}px`, top: `${e.point.y + 12}px` });
        tooltip.hidden = false;
      });
      map.on("mouseleave", layer, () => { tooltip.hidden = true; });
    }
    // The chosen zone: its contour (a QPV: its own, from the referential) on top, and the map on it.
    const chosen = new Set(zone?.codes ?? []);
    const outline = zone?.niveau.startsWith("qpv") ? contours.features.filter((f) => chosen.has(f.properties.code)) : zoneGeo;
    drawZone(map, outline);
    const frame = bounds(outline) ?? extent(features);
    if (frame) map.fitBounds(frame, { padding: 40, duration: 0, maxZoom: 13 });
    element.zone = { contours: outline.length, bounds: bounds(outline) }; // for the browser tests
    legend(element.querySelector(".qpv-carte__legende"), breaks, features, max);
    const sans = features.length - contours.features.length;
    status.textContent = `${features.length} quartier${features.length > 1 ? "s" : ""} financé${features.length > 1 ? "s" : ""}`
      + (sans ? ` dont ${sans} sans contour connu (dans le tableau seulement)` : "") + ". Survolez un quartier pour voir son montant.";
    element.maplibre = map; // for the browser tests
    await new Promise((resolve) => { const t = setTimeout(resolve, 5000); map.once("idle", () => { clearTimeout(t); resolve(); }); });
    element.dataset.etat = "dessinee";
  } catch (error) {
    element.dataset.etat = "erreur";
    status.replaceChildren(el("span", { className: "fr-error-text", textContent: `La carte n'a pas pu être affichée : ${error.message}` }));
  }
}

// Empty fields make no parameter: the URL stays the search, nothing more.
function initForm() {
  const form = document.getElementById("recherche-qpv");
  form?.addEventListener("submit", () => {
    for (const field of form.querySelectorAll("input, select")) if (field.name && field.value === "") field.disabled = true;
  });
}

function init() {
  initForm();
  initTabs();
  const carte = document.getElementById("carte-qpv");
  if (carte) drawMap(carte);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
