// Map of the current search ("Carte"): Σ AE or Σ CP by région, département, EPCI, commune or QPV,
// drawn with MapLibre GL over the shipped GeoJSON contours (/static/geo/, no tile server; the QPV
// contours come from the QPV referential of the base, /api/v1/qpv/carte), colours by
// quantiles with a legend written in euros, a tooltip, and the same figures as a table of links.
// Clicking a zone (or its row) reloads the search filtered on it (niveau_geo, code_geo).
//
// The figures are the page's choice (data-source: the API; data-valeurs: the measures one can map,
// JSON {code: label}; data-comptes: the counts, JSON {code: [singular, plural, "none" phrase]}; the first count
// is the status line's); the financial lines' Σ AE, Σ CP and lines by default. The API answers
// {zones: [{code, label, …measures}], sans_zone: {…}, total: {…}}, zones + sans_zone = total.
//
// Fast redraws: the map, its sources and the parsed contours live in this module, which outlives
// the htmx swaps of the results; a new search only fetches /api/v1/carte and sets feature states.
// Contours (contours.js): versioned, cached URLs; the communes of the départements drawn only. The
// zone chosen in the search (niveau_geo + code_geo) is outlined on top and the map zooms to it.
import { bounds, chosenZone, communes, departementOf, drawZone, featureCode, layer, zoneFeatures } from "/static/app/contours.js";
import { euros, eurosArrondis, nombre } from "/static/app/formats.js";

const NIVEAUX = { region: "Région", departement: "Département", epci: "EPCI", commune: "Commune", qpv: "QPV" };
// A level inside a sentence: « par commune », but acronyms stay upper case (« 25 QPV(s) », « par EPCI »).
const niveauDansPhrase = (niveau) => (NIVEAUX[niveau] === NIVEAUX[niveau].toUpperCase() ? NIVEAUX[niveau] : NIVEAUX[niveau].toLowerCase());
const VALEURS = { montant_ae: "Montant engagé (AE)", montant_cp: "Montant payé (CP)" };
const COMPTES = { count: ["ligne", "lignes", "Aucune ligne"] };
const SANS = { region: "sans région connue", departement: "sans département connu", epci: "sans EPCI connu", commune: "sans commune connue", qpv: "hors QPV" };
const DRILL = { region: "departement", departement: "commune", arrondissement: "commune", epci: "commune", commune: "commune", qpv: "qpv", qpv24: "qpv" };
const COULEURS = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]; // ColorBrewer Blues, light → dark
const SANS_DONNEE = "#e5e5e5";
const TABLE_MAX = 1000;
const ATTRIBUTION = "Contours : IGN ADMIN EXPRESS 2018 (via france-geojson), ANCT ; codes : INSEE COG 2026, DGCL — Licence Ouverte 2.0";


// source: the figures' API (data-source: /api/v1/ouvert/carte on the open pages), /api/v1/carte by default.
const state = { map: null, box: null, ready: null, niveau: null, valeur: "montant_ae", sources: new Set(), source: "/api/v1/carte", valeurs: VALEURS, comptes: COMPTES };
let qpvPoints = null; // Promise<FeatureCollection>
const aggregates = new Map(); // API URL → Promise<body> (the last few searches)
let maplibre = null;

function loadMaplibre() {
  maplibre ??= new Promise((resolve, reject) => {
    const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: "/static/vendor/maplibre-gl/maplibre-gl.css" });
    const script = Object.assign(document.createElement("script"), { src: "/static/vendor/maplibre-gl/maplibre-gl.js" });
    script.onload = () => resolve(window.maplibregl);
    script.onerror = () => reject(new Error("MapLibre GL n'a pas pu être chargé."));
    document.head.append(link, script);
  });
  return maplibre;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body?.erreur?.message || `Erreur ${response.status}`);
  return body;
}

// The QPVs of the referential that hold lines the user may see, as points at their centres (a
// quartier is a few hundred metres wide: its contour would be under a pixel on a région's map).
async function quartiers() {
  const body = await getJson("/api/v1/qpv/carte");
  const features = body.features.filter((f) => f.properties.longitude != null && f.properties.latitude != null)
    .map(({ properties: p }) => ({ type: "Feature", geometry: { type: "Point", coordinates: [p.longitude, p.latitude] }, properties: { code: p.code, nom: p.label } }));
  return { type: "FeatureCollection", features };
}

// The contours of a level; communes: those of the départements of `zones` (API codes) only.
function geometry(niveau, zones) {
  if (niveau === "qpv") return (qpvPoints ??= quartiers().catch((e) => { qpvPoints = null; throw e; }));
  if (niveau === "commune") return communes(zones.map((z) => departementOf(featureCode(z.code))));
  return layer(niveau);
}

function aggregate(api, niveau) {
  const url = `${state.source}?niveau=${niveau}${api ? "&" + api : ""}`;
  if (!aggregates.has(url)) {
    aggregates.set(url, getJson(url).catch((e) => { aggregates.delete(url); throw e; }));
    if (aggregates.size > 8) aggregates.delete(aggregates.keys().next().value);
  }
  return aggregates.get(url);
}

// --- DOM -------------------------------------------------------------------------------------

function el(tag, { dataset, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children.filter((c) => c != null));
  return node;
}

function select(id, label, options, value) {
  const s = el("select", { className: "fr-select", id });
  for (const [code, text] of Object.entries(options)) s.append(el("option", { value: code, textContent: text, selected: code === value }));
  return el("div", { className: "fr-select-group carte__choix" }, el("label", { className: "fr-label", htmlFor: id, textContent: label }), s);
}

function zoneUrl(page, niveau, codes) {
  const url = new URL(page, location.href);
  // A QPV code says its division: QN… the 2024 one (zone level qpv24), QP… the 2015 one (qpv).
  url.searchParams.set("niveau_geo", niveau === "qpv" && codes[0].startsWith("QN") ? "qpv24" : niveau);
  url.searchParams.set("code_geo", codes.join(","));
  url.searchParams.set("vue", "carte");
  for (const name of ["page", "grouped"]) url.searchParams.delete(name);
  // The value mapped survives the reload in the fragment (never sent: the search stays strict).
  url.hash = state.valeur === Object.keys(state.valeurs)[0] ? "" : `carte-valeur=${state.valeur}`;
  return url.pathname + url.search + url.hash;
}

// --- Measures --------------------------------------------------------------------------------

const upper = (text) => text.charAt(0).toUpperCase() + text.slice(1);
const unit = (code, n) => state.comptes[code][n > 1 ? 1 : 0];
// A count mapped (data-valeurs may name one) is a number, anything else an amount in euros.
const shown = (code, v) => (code in state.comptes ? nombre.format(v) : eurosArrondis.format(v));
const amounts = () => Object.keys(state.valeurs).filter((code) => !(code in state.comptes));

// --- Classes and painting --------------------------------------------------------------------

function quantiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const k = Math.min(COULEURS.length, new Set(sorted).size);
  const breaks = [];
  for (let i = 1; i < k; i++) {
    const b = sorted[Math.floor((i * sorted.length) / k)];
    if (b > sorted[0] && !breaks.includes(b)) breaks.push(b);
  }
  return breaks; // class of v = number of breaks ≤ v
}

function classify(zones, valeur) {
  // zones: [{code (feature), codes, label, …measures, drawn}]
  const drawn = zones.filter((z) => z.drawn);
  const breaks = quantiles(drawn.map((z) => z[valeur]));
  const classes = Array.from({ length: breaks.length + 1 }, () => ({ min: Infinity, max: -Infinity, n: 0 }));
  for (const z of drawn) {
    z.classe = breaks.filter((b) => b <= z[valeur]).length;
    const c = classes[z.classe];
    c.min = Math.min(c.min, z[valeur]); c.max = Math.max(c.max, z[valeur]); c.n += 1;
  }
  // Fewer classes than colours: spread them over the palette (one class: the darkest).
  const k = classes.length, last = COULEURS.length - 1;
  const couleur = (i) => (k === 1 ? last : Math.round((i * last) / (k - 1)));
  for (const z of drawn) z.couleur = couleur(z.classe);
  return classes.map((c, i) => ({ ...c, couleur: COULEURS[couleur(i)] }));
}

function legend(node, classes, valeur, niveau, vide) {
  const items = classes.filter((c) => c.n).map((c, i) => el("li", { className: "carte__classe" },
    el("span", { className: "carte__pastille", style: `background:${c.couleur}` }),
    `Classe ${i + 1} : ${c.min === c.max ? shown(valeur, c.min) : `de ${shown(valeur, c.min)} à ${shown(valeur, c.max)}`} (${nombre.format(c.n)}\u00a0${c.n > 1 ? "zones" : "zone"})`)); // « (6 zones) » never split
  items.push(el("li", { className: "carte__classe" }, el("span", { className: "carte__pastille carte__pastille--vide" }), vide || "Aucune ligne dans la zone"));
  node.replaceChildren(el("p", { className: "fr-text--sm fr-text--bold fr-mb-1w", textContent: `${state.valeurs[valeur]} par ${niveauDansPhrase(niveau)} (classes de même effectif)` }), el("ul", { className: "carte__classes" }, ...items));
}

function table(node, zones, body, valeur, niveau, page) {
  const comptes = Object.keys(state.comptes), montants = amounts();
  const head = el("tr", {}, ...[NIVEAUX[niveau], "Code", ...comptes.map((k) => upper(state.comptes[k][1])), ...montants.map((k) => state.valeurs[k])]
    .map((t, i) => el("th", { scope: "col", textContent: t, className: i > 1 ? "montant" : "" })));
  const cell = (v, text) => el("td", { className: "montant", textContent: text, dataset: { montant: v } });
  const row = (first, code, z) => el("tr", {}, el("th", { scope: "row" }, first), el("td", { textContent: code }),
    ...comptes.map((k) => cell(z[k], nombre.format(z[k]))), ...montants.map((k) => cell(z[k], euros.format(z[k]))));
  const rows = [...zones].sort((a, b) => b[valeur] - a[valeur] || a.code.localeCompare(b.code)).slice(0, TABLE_MAX).map((z) =>
    row(el("a", { href: zoneUrl(page, niveau, z.codes), textContent: z.drawn ? z.label : `${z.label} (hors carte)` }), z.codes.join(", "), z));
  const foot = [];
  const first = comptes[0];
  if (body.sans_zone[first]) foot.push(row(`${upper(state.comptes[first][1])} ${SANS[niveau]}`, "", body.sans_zone));
  const total = row("Total de la recherche", "", body.total);
  total.dataset.carteTotal = "";
  foot.push(total);
  const caption = el("caption", { textContent: `${state.valeurs[valeur]} par ${niveauDansPhrase(niveau)}` + (zones.length > TABLE_MAX ? ` : les ${nombre.format(TABLE_MAX)} premières zones sur ${nombre.format(zones.length)}` : "") });
  node.replaceChildren(el("div", { className: "fr-table fr-table--sm" }, el("div", { className: "fr-table__wrapper" }, el("div", { className: "fr-table__container" }, el("div", { className: "fr-table__content" },
    el("table", {}, caption, el("thead", {}, head), el("tbody", {}, ...rows), el("tfoot", {}, ...foot)))))));
}

// --- The map ---------------------------------------------------------------------------------

function once(map, event, ms = 5000) {
  return new Promise((resolve) => { const t = setTimeout(resolve, ms); map.once(event, () => { clearTimeout(t); resolve(); }); });
}

function createMap(lib, element) {
  state.box = el("div", { className: "carte__boite" });
  state.tooltip = el("div", { className: "carte__info", hidden: true, role: "tooltip", id: "carte-info" });
  state.box.append(state.tooltip);
  element.querySelector(".carte__place").replaceWith(state.box);
  state.map = new lib.Map({
    container: state.box, center: [2.4, 46.6], zoom: 4.6, minZoom: 3, attributionControl: false,
    fadeDuration: 0, // no fade: a redraw is done when painted (idle came 300 ms later)
    style: { version: 8, transition: { duration: 0, delay: 0 }, sources: {}, layers: [{ id: "fond", type: "background", paint: { "background-color": "#fbfbfb" } }] },
    locale: { "Map.Title": "Carte des montants par zone (les mêmes chiffres sont dans le tableau qui suit)", "NavigationControl.ZoomIn": "Zoomer", "NavigationControl.ZoomOut": "Dézoomer", "NavigationControl.ResetBearing": "Remettre le nord en haut", "AttributionControl.ToggleAttribution": "Afficher ou masquer les sources" },
  });
  state.map.addControl(new lib.NavigationControl({ showCompass: false }));
  state.map.addControl(new lib.AttributionControl({ compact: true, customAttribution: ATTRIBUTION }));
  state.ready = once(state.map, "load", 30000);
}

function hover(map, niveau) {
  let hovered = null;
  const source = `zones-${niveau}`;
  const clear = () => { if (hovered) map.setFeatureState({ source, id: hovered }, { survol: false }); hovered = null; state.tooltip.hidden = true; };
  map.on("mousemove", `${source}-fond`, (e) => {
    const f = e.features[0];
    const code = f.properties.code;
    if (hovered !== code) { clear(); hovered = code; map.setFeatureState({ source, id: code }, { survol: true }); }
    const z = state.zones?.get(code);
    const lines = z ? [...amounts().map((k) => `${state.valeurs[k]} : ${eurosArrondis.format(z[k])}`),
      ...Object.keys(state.comptes).map((k) => `${nombre.format(z[k])} ${unit(k, z[k])}`)] : [Object.values(state.comptes)[0][2]];
    state.tooltip.replaceChildren(el("strong", { textContent: `${f.properties.nom} (${code})` }), ...lines.flatMap((t) => [el("br"), t]));
    Object.assign(state.tooltip.style, { left: `${e.point.x + 12}px`, top: `${e.point.y + 12}px` });
    state.tooltip.hidden = false;
    map.getCanvas().style.cursor = z ? "pointer" : "";
  });
  map.on("mouseleave", `${source}-fond`, () => { clear(); map.getCanvas().style.cursor = ""; });
  map.on("click", `${source}-fond`, (e) => {
    const z = state.zones?.get(e.features[0].properties.code);
    if (z && state.element?.isConnected) location.assign(zoneUrl(state.element.dataset.page, niveau, z.codes));
  });
}

// Under the QPV discs, the départements' outlines, to know where one is.
function context(departements, visible) {
  const map = state.map;
  if (!map.getSource("contexte")) {
    map.addSource("contexte", { type: "geojson", data: departements });
    map.addLayer({ id: "contexte-bord", type: "line", source: "contexte", paint: { "line-color": "#929292", "line-width": 0.8 } });
  }
  map.setLayoutProperty("contexte-bord", "visibility", visible ? "visible" : "none");
}

function showLevel(niveau, geo, zones) {
  const map = state.map;
  const source = `zones-${niveau}`;
  // The communes sent to MapLibre: those of the départements that have lines (geometry()).
  if (niveau === "commune" && state.sources.has(niveau) && state.communes !== geo) map.getSource(source).setData(geo);
  if (niveau === "commune") state.communes = geo;
  if (!state.sources.has(niveau)) {
    map.addSource(source, { type: "geojson", data: geo, promoteId: "code" });
    const classe = ["coalesce", ["feature-state", "classe"], -1];
    const couleur = ["match", classe, ...COULEURS.flatMap((c, i) => [i, c]), SANS_DONNEE];
    const survol = ["boolean", ["feature-state", "survol"], false];
    if (niveau === "qpv") { // points: a disc per quartier, its border for the hover
      map.addLayer({ id: `${source}-fond`, type: "circle", source, paint: { "circle-color": couleur, "circle-radius": ["case", survol, 9, 7], "circle-stroke-color": ["case", survol, "#000091", "#3a3a3a"], "circle-stroke-width": ["case", survol, 2.5, 1] } });
    } else {
      map.addLayer({ id: `${source}-fond`, type: "fill", source, paint: { "fill-color": couleur, "fill-opacity": 0.9 } });
      map.addLayer({ id: `${source}-bord`, type: "line", source, paint: { "line-color": ["case", survol, "#000091", "#6a6a6a"], "line-width": ["case", survol, 2.5, niveau === "commune" ? 0.2 : 0.6] } });
    }
    state.sources.add(niveau);
    hover(map, niveau);
  }
  for (const other of state.sources) {
    for (const part of ["fond", "bord"]) {
      const id = `zones-${other}-${part}`;
      if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", other === niveau ? "visible" : "none");
    }
  }
}


// --- The view --------------------------------------------------------------------------------

async function draw(element) {
  const start = performance.now();
  const token = (state.token = (state.token ?? 0) + 1); // a later draw wins over a slower earlier one
  const niveau = state.niveau, valeur = state.valeur, api = element.dataset.api || "";
  const status = element.querySelector(".carte__etat");
  status.textContent = "Chargement de la carte…";
  element.dataset.etat = "chargement"; // then "dessinee" or "erreur" (read by the browser tests and bench/web_bench.py)
  try {
    const zone = chosenZone(api);
    // The zone's contours (and so, on a département, its communes) load with the figures.
    const [lib, body, departements, zoneGeo] = await Promise.all([loadMaplibre(), aggregate(api, niveau),
      niveau === "qpv" ? layer("departement") : null, zoneFeatures(zone),
      niveau === "commune" && zone?.niveau === "departement" ? communes(zone.codes) : null]);
    const geo = await geometry(niveau, body.zones);
    const fetched = performance.now();
    if (!state.map) createMap(lib, element);
    else if (!element.contains(state.box)) { element.querySelector(".carte__place")?.replaceWith(state.box); state.map.resize(); }
    await state.ready;
    if (token !== state.token) return;
    geo.known ??= new Set(geo.features.map((f) => f.properties.code)); // geo: a promise's value, kept
    const merged = new Map();
    const measures = [...new Set([...Object.keys(state.valeurs), ...Object.keys(state.comptes)])];
    for (const z of body.zones) {
      const code = featureCode(z.code);
      const m = merged.get(code) ?? merged.set(code, { code, codes: [], label: z.label, drawn: geo.known.has(code), ...Object.fromEntries(measures.map((k) => [k, 0])) }).get(code);
      m.codes.push(z.code);
      for (const k of measures) m[k] += z[k];
      if (z.code === code) m.label = z.label;
    }
    const zones = [...merged.values()];
    const classes = classify(zones, valeur);
    state.zones = merged;
    if (departements || state.map.getSource("contexte")) context(departements, niveau === "qpv");
    showLevel(niveau, geo, zones);
    const source = `zones-${niveau}`;
    state.map.removeFeatureState({ source });
    for (const z of zones) if (z.drawn) state.map.setFeatureState({ source, id: z.code }, { classe: z.couleur });
    drawZone(state.map, zoneGeo);
    // Zoom to the chosen zone, else to the zones that have lines (clear of the zoom buttons and the
    // attribution, which would hide its edges).
    const drawn = new Set(zones.filter((z) => z.drawn).map((z) => z.code));
    const box = bounds(zoneGeo) ?? bounds(geo.features.filter((f) => drawn.has(f.properties.code)));
    if (box) state.map.fitBounds(box, { padding: { top: 24, right: 56, bottom: 48, left: 24 }, duration: 0, maxZoom: zoneGeo.length ? 11 : 10 });
    element.maplibre = state.map; // for the browser tests (projected points of the zones)
    element.zone = { contours: zoneGeo.length, bounds: bounds(zoneGeo) }; // for the browser tests
    legend(element.querySelector(".carte__legende"), classes, valeur, niveau, element.dataset.vide);
    table(element.querySelector(".carte__tableau"), zones, body, valeur, niveau, element.dataset.page);
    const hors = zones.filter((z) => !z.drawn).length;
    const first = Object.keys(state.comptes)[0], sans = body.sans_zone[first];
    status.textContent = `${nombre.format(body.total[first])} ${unit(first, body.total[first])} : ${nombre.format(zones.length)} ${niveauDansPhrase(niveau)}(s)`
      + (sans ? ` ; ${nombre.format(sans)} ${unit(first, sans)} ${SANS[niveau]}` : "")
      + (hors ? ` ; ${hors} zone(s) sans contour, dans le tableau seulement` : "") + ". "
      + (element.dataset.clic || "Cliquez sur une zone pour filtrer la recherche.");
    state.map.triggerRepaint();
    await once(state.map, "idle");
    const painted = performance.now();
    Object.assign(element.dataset, { niveau, fetchMs: Math.round(fetched - start), redrawMs: Math.round(painted - start), etat: "dessinee" });
    element.dispatchEvent(new CustomEvent("carte:dessinee", { detail: { niveau, fetchMs: fetched - start, redrawMs: painted - start } }));
  } catch (error) {
    element.dataset.etat = "erreur";
    status.replaceChildren(el("span", { className: "fr-error-text", textContent: `La carte n'a pas pu être affichée : ${error.message}` }));
  }
}

export function init(element) {
  const filtre = new URLSearchParams(element.dataset.api || "").get("niveau_geo");
  if (!state.niveau || !state.chosen) state.niveau = DRILL[filtre] || "departement";
  state.element = element;
  state.source = element.dataset.source || "/api/v1/carte";
  state.valeurs = element.dataset.valeurs ? JSON.parse(element.dataset.valeurs) : VALEURS;
  state.comptes = element.dataset.comptes ? JSON.parse(element.dataset.comptes) : COMPTES;
  const asked = new URLSearchParams(location.hash.slice(1)).get("carte-valeur");
  if (asked in state.valeurs) state.valeur = asked;
  if (!(state.valeur in state.valeurs)) state.valeur = Object.keys(state.valeurs)[0];
  // data-niveaux: the levels offered (the open pages have no QPV layer: its contours need an account).
  const offered = element.dataset.niveaux ? Object.fromEntries(element.dataset.niveaux.split(",").map((n) => [n, NIVEAUX[n]])) : NIVEAUX;
  if (!(state.niveau in offered)) state.niveau = Object.keys(offered).at(-1);
  const niveau = select("carte-niveau", "Niveau géographique", offered, state.niveau);
  const valeur = select("carte-valeur", amounts().length < Object.keys(state.valeurs).length ? "Valeur représentée" : "Montant représenté", state.valeurs, state.valeur);
  const accordion = el("section", { className: "fr-accordion fr-mt-2w" },
    el("h3", { className: "fr-accordion__title" }, el("button", { type: "button", className: "fr-accordion__btn", textContent: "Voir les données de la carte" })),
    el("div", { className: "fr-collapse carte__tableau", id: "carte-donnees" }));
  accordion.querySelector("button").setAttribute("aria-controls", "carte-donnees");
  accordion.querySelector("button").setAttribute("aria-expanded", "false");
  element.setAttribute("hx-boost", "false"); // zone links reload the whole page (the form shows the new filter)
  element.replaceChildren(
    el("div", { className: "carte__barre fr-mt-3w" }, niveau, valeur),
    el("p", { className: "carte__etat fr-text--sm", role: "status" }),
    el("div", { className: "carte__corps" }, el("div", { className: "carte__place carte__boite" }), el("div", { className: "carte__legende" })),
    accordion);
  niveau.querySelector("select").addEventListener("change", (e) => { state.niveau = e.target.value; state.chosen = true; draw(element); });
  valeur.querySelector("select").addEventListener("change", (e) => { state.valeur = e.target.value; draw(element); });
  return draw(element);
}
